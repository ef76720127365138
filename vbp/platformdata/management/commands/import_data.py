"""manage.py import_data KIND FILE --user NAME [--dry-run]: the same import as the 数据导入 page."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from vbp.platformdata import services
from vbp.platformdata.importers import IMPORTERS
from vbp.platformdata.models import ImportJob


class Command(BaseCommand):
    help = "导入医疗机构、带量批次、品种或平台数据（先校验，全部通过才写入）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(IMPORTERS), help="导入类型")
        parser.add_argument("file", type=Path, help=".xlsx 或 .csv 文件")
        parser.add_argument("--user", required=True, help="以此用户（省医保局）的身份导入，记入导入记录")
        parser.add_argument("--dry-run", action="store_true", help="只校验并预览，不写入")

    def handle(self, kind, file, user, dry_run, **options):
        try:
            actor = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"没有用户 {user}") from None
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        # no worker to wait for on the command line: every step runs here
        try:
            job = services.start_import(actor, kind, file.name, file.read_bytes(), background=False)
            self._report(job)
            if job.status != ImportJob.Status.PREVIEW:
                raise CommandError(f"共 {len(job.problems)} 处问题，未写入任何数据。")
            if dry_run:
                services.cancel_import(actor, job)
                self.stdout.write("校验通过（--dry-run，未写入）。")
                return
            job = services.confirm_import(actor, job, background=False)
        except services.ImportRefused as error:
            raise CommandError(str(error)) from None
        if job.status != ImportJob.Status.DONE:
            self._report(job)
            raise CommandError("导入未完成，未写入任何数据。")
        counts = f"新增 {job.rows_added} 行，修改 {job.rows_changed} 行，未变 {job.rows_unchanged} 行"
        self.stdout.write(f"导入完成：{counts}。")

    def _report(self, job: ImportJob) -> None:
        for problem in job.problems:
            self.stderr.write(str(services.problem_parts(problem)))
        if job.status == ImportJob.Status.PREVIEW:
            self.stdout.write(
                f"{job.file_name}：{job.total_rows} 行，将新增 {job.rows_added} 行，修改 {job.rows_changed} 行，"
                f"未变 {job.rows_unchanged} 行。"
            )
