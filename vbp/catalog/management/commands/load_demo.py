"""manage.py load_demo: load the deterministic demo province (山西省) into an empty database."""

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from vbp.demo.generate import DEFAULT_SEED, SCALES, DemoDataError, DemoSummary, load_demo
from vbp.demo.orders import AS_OF as ORDERS_AS_OF
from vbp.demo.orders import DEMO_LINES, load_demo_orders
from vbp.demo.province import DATA_YEAR, DEMO_ACCOUNT_TABLE, DEMO_PASSWORD
from vbp.regions.models import Region

MAX_ORDERS = 20_000_000
BENCH_LINES = 10_000_000  # the monitoring benchmarks' year of order lines


class Command(BaseCommand):
    help = (
        "载入演示数据（山西省：行政区划、统筹区、医疗机构、带量批次、品种、平台数据、各角色演示账号），仅限空数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="demo",
            help="demo：约120家医疗机构、约4500条平台数据（默认）；bench：2500家×400个品种，100万条（性能测试）",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库中已有行政区划时什么也不做（用于首次启动时自动载入）"
        )
        parser.add_argument(
            "--reviewed",
            action="store_true",
            help=(
                "载入考核周期中途的演示数据（make run 使用）：两家演示医疗机构国家第一批的自评已提交并审核完毕，"
                "便于从留用金额测算开始演示；其他医疗机构的自评与审核、住院人次、支付比例、留用金额、申诉、"
                "通知公告各处于不同状态（仅 demo 规模）"
            ),
        )

        parser.add_argument(
            "--orders",
            type=int,
            default=None,
            help=(
                "采购使用监测的订单明细行数（默认：demo 规模加 --reviewed 时 50 万行，bench 规模 1000 万行，"
                "否则不载入）"
            ),
        )

    def handle(self, *args, scale, seed, if_empty, reviewed=False, orders=None, **options):
        if orders is not None and not 0 <= orders <= MAX_ORDERS:
            raise CommandError(f"--orders 应为 0 到 {MAX_ORDERS:,} 之间的整数")
        if if_empty and Region.objects.exists():
            self.stdout.write("数据库中已有行政区划数据，未载入演示数据。")
            return
        started = time.perf_counter()
        try:
            summary = load_demo(scale, seed, progress=self._progress if scale == "bench" else None)
        except DemoDataError as error:
            raise CommandError(f"{error}未载入演示数据。如只想在空数据库时载入，请加 --if-empty。") from None
        if reviewed:
            from vbp.demo.walkthrough import BATCH, review_demo_assessments

            count = review_demo_assessments()
            self.stdout.write(f"已提交并审核 {count} 家演示医疗机构的{BATCH}自评（demo_hospital、demo_hospital2）。")
            if scale == "demo":
                from vbp.demo.midcycle import advance_to_mid_cycle

                self._report_mid_cycle(advance_to_mid_cycle(seed))
            else:
                self.stdout.write("考核周期中途的演示数据只在 demo 规模载入。")
        if orders is None:
            orders = BENCH_LINES if scale == "bench" else DEMO_LINES if reviewed else 0
        if orders:
            stored = load_demo_orders(orders, seed)
            self.stdout.write(f"采购使用监测：{DATA_YEAR} 年订单明细 {stored:,} 行，监测日期 {ORDERS_AS_OF:%Y-%m-%d}。")
        self._report(summary, time.perf_counter() - started)

    def _report_mid_cycle(self, mid) -> None:
        out = self.stdout.write
        out("考核周期中途的演示数据：")
        out(f"  自评（考核年度 {DATA_YEAR}）：{_counts(mid.assessments, STAGE_WORDS)}")
        out(f"  住院人次：{_counts(mid.visits, VISIT_WORDS)}")
        out(f"  已提交的医保基金平均支付比例 {mid.pay_ratios} 个批次（国家第一批留待演示第 1 步提交）")
        out(f"  留用金额：{_counts(mid.amounts)}")
        out(f"  申诉：{_counts(mid.appeals)}")
        out(f"  通知公告：{_counts(mid.notices)}")
        out(f"  另建经办账号 {mid.staff_accounts} 个（各医疗机构、各市医保局；不能登录，仅作为演示数据的经办人）")

    def _progress(self, written: int) -> None:
        if written % 100_000 == 0:
            self.stdout.write(f"  已写入平台数据 {written:,} 条…")

    def _report(self, summary: DemoSummary, seconds: float) -> None:
        out = self.stdout.write
        heading = f"演示数据已载入（规模 {summary.scale}，随机种子 {summary.seed}，用时 {seconds:.1f} 秒）："
        out(self.style.SUCCESS(heading))
        out(f"  行政区划 {summary.regions} 个（省 1、地市 {summary.cities}、区县 {summary.districts}）")
        out(f"  统筹区 {summary.pools} 个（{summary.cities} 个地市 + 省直）")
        out(f"  医疗机构 {summary.hospitals:,} 家（其中省直属 {summary.province_direct} 家）")
        out(f"  考核方案 {summary.rule_sets} 个（各预置方案第 1 版）")
        out(f"  带量批次 {summary.batches} 个，品种 {summary.products:,} 个")
        out(f"  平台数据 {summary.platform_records:,} 条（{DATA_YEAR} 年度）")
        out(f"  演示账号 {summary.users} 个")
        out("")
        out(self.style.WARNING(f"演示账号，仅供演示，切勿用于生产环境。密码均为：{DEMO_PASSWORD}"))
        rows = [("用户名", "角色", "数据范围"), *DEMO_ACCOUNT_TABLE]
        widths = [max(_width(row[column]) for row in rows) for column in range(2)]
        for username, role, scope in rows:
            out(f"  {_pad(username, widths[0])}  {_pad(role, widths[1])}  {scope}")


STAGE_WORDS = {"draft": "待填报", "submitted": "待审核", "part1": "集采任务完成情况评分待审核", "reviewed": "已审核"}
VISIT_WORDS = {
    "none": "未填报",
    "total_draft": "总人次待提交",
    "total": "总人次已提交、参保患者住院人次待填报",
    "no_platform": "省内异地平台待填报",
    "complete": "已全部提交",
}


def _counts(counts, words: dict | None = None) -> str:
    """``{"已确认": 120, "待确认": 50}`` as 已确认 120、待确认 50 (in the order of ``words`` when given)."""
    keys = [key for key in words if key in counts] if words else sorted(counts)
    return "、".join(f"{words[key] if words else key} {counts[key]}" for key in keys) or "无"


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
