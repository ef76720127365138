"""``manage.py import_orders FILE --user NAME [--confirm]``: order lines from a file on the server.

For a file too large to upload (a year of a province's lines): the same dry run as 数据导入 (every bad cell
named, the months it replaces), and with ``--confirm`` the same write, all or nothing, recorded as an import of
the named province account and in the audit log. The file itself is not copied into the database.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from vbp import permissions
from vbp.accounts.models import User
from vbp.audit.services import Kind, record_change, snapshot
from vbp.monitoring.importer import OrderLineImporter
from vbp.platformdata.models import ImportJob
from vbp.platformdata.services import AUDITED_FIELDS, COUNTED_FIELDS

REPORT_EVERY = 1_000_000  # rows between two progress lines


class Command(BaseCommand):
    help = "从服务器上的文件导入订单明细（文件太大、不便上传时）：先校验并按月预览；加 --confirm 才写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="订单明细文件（.csv、.parquet 或 .xlsx）")
        parser.add_argument("--user", required=True, help="以哪个省医保局账号导入（记入导入记录和操作日志）")
        parser.add_argument("--confirm", action="store_true", help="校验通过后写入（不加则只校验、预览）")

    def handle(self, *args, file: Path, user: str, confirm: bool, **options):
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None or not permissions.imports_data(account):
            raise CommandError(f"账号“{user}”不存在、已停用或不是省医保局账号：只有省医保局可以导入数据。")
        if not file.is_file():
            raise CommandError(f"文件不存在：{file.name}")
        started = time.perf_counter()
        importer = OrderLineImporter()
        result = importer.check_path(file, file.name, self._progress)
        try:
            if result.problems:
                for problem in result.problems:
                    self.stderr.write(str(problem))
                raise CommandError(f"发现 {len(result.problems)} 处问题，未写入任何数据。请修改文件后重新运行。")
            self.stdout.write(
                f"已校验 {result.total_rows:,} 行（{time.perf_counter() - started:.1f} 秒），按下单日期所在月份："
            )
            for change in result.preview:
                ((_, before, after),) = change.changes
                self.stdout.write(f"  {change.key} {change.action}：{int(before):,} 行 → {int(after):,} 行")
            if not confirm:
                self.stdout.write("以上为预览，未写入任何数据。确认无误后加 --confirm 重新运行以写入。")
                return
            with transaction.atomic():
                job = ImportJob.objects.create(
                    kind=importer.kind,
                    user=account,
                    file_name=file.name[:255],
                    sha256=_sha256(file),
                    content=b"",
                    status=ImportJob.Status.DONE,
                    total_rows=result.total_rows,
                    done_rows=result.total_rows,
                    rows_added=result.added,
                    rows_changed=result.changed,
                    preview=[asdict(change) for change in result.preview],  # as a dry run keeps it
                    finished_at=timezone.now(),
                )
                importer.write_result(result)
                after = snapshot(job, [*AUDITED_FIELDS, *COUNTED_FIELDS])
                record_change(
                    account, Kind.CREATE, job, after=after, message=f"在服务器上导入订单明细 {job.file_name}（命令行）"
                )
        finally:
            result.release()
        self.stdout.write(
            self.style.SUCCESS(f"导入完成：{result.total_rows:,} 行，用时 {time.perf_counter() - started:.1f} 秒。")
        )

    def _progress(self, done: int) -> None:
        if done % REPORT_EVERY == 0:
            self.stdout.write(f"  已读取并校验 {done:,} 行…")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
