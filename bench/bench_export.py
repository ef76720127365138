"""Benchmark of 导出 (vbp.ui.export.export_xlsx): 1,000,000 rows × 20 columns ≤ 60 s and ≤ 1.5 GB.

Usage: python -m bench.bench_export [--rows 1000000]

In a fresh child process, export_xlsx writes generated rows shaped like the
platform data (9 text columns, 2 integers, 5 volumes and 4 amounts as
Decimals), from a generator, as a list page hands them over; then the
response is streamed to nowhere, as a download would read it. Wall time is
taken around the child, peak memory from its own rusage. Figures only:
nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

from bench.bench_calc import ROOT, run_child

TARGET_SECONDS, TARGET_MB = 60.0, 1500.0
HEADERS = [
    "考核年度", "医疗机构编码", "医疗机构名称", "地市", "区县", "带量批次", "品种序号", "通用名", "规格", "状态",
    "品种数", "约定采购量", "采购量基数", "中选产品实际采购量", "同通用名产品采购总量", "非中选产品采购量",
    "非中选产品使用金额", "线下采购金额", "实际药品采购金额", "30天内回款金额",
]  # fmt: skip


def generated_rows(count: int) -> Iterator[list]:
    """``count`` rows of text, integers and Decimals; now and then a name that looks like a formula."""
    cities = [
        "太原市",
        "大同市",
        "阳泉市",
        "长治市",
        "晋城市",
        "朔州市",
        "晋中市",
        "运城市",
        "忻州市",
        "临汾市",
        "吕梁市",
    ]
    for n in range(count):
        hospital, product = divmod(n, 400)
        volume = 1000 + n % 997
        yield [
            2024, f"H{hospital:06d}", f"测试医院{hospital}" if n % 1000 else f"=HYPERLINK(\"x\",\"{hospital}\")",
            cities[hospital % 11], f"第{hospital % 7}区", "国家第一批集中带量采购", f"V{product:04d}", f"药品{product}",
            "0.25g×24片", "已确认", product % 50,
            Decimal(volume), Decimal(volume * 2), Decimal(volume + 10), Decimal(volume + 500), Decimal(490),
            Decimal(f"{12345 + n % 100}.67"), Decimal("0.00"), Decimal("99999.99"), Decimal(f"{n % 50000}.50"),
        ]  # fmt: skip


def child(rows: int) -> None:
    """Child side: the real export_xlsx, then the response read to the end."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.test import RequestFactory

    from vbp.accounts.models import Role, User
    from vbp.ui.export import export_xlsx

    request = RequestFactory().get("/platform/", {"export": "1"})
    request.user = User(username="bench", first_name="测试", role=Role.PROVINCE)
    started = time.perf_counter()
    response = export_xlsx(request, "平台数据", HEADERS, generated_rows(rows), filters={"带量批次": "国家第一批"})
    written = time.perf_counter()
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    streamed = time.perf_counter()
    print(f"write: {written - started:.2f} s")
    print(f"stream: {streamed - written:.2f} s ({size / 1e6:.1f} MB .xlsx)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.rows)
        return 0
    print(f"Export benchmark: {args.rows:,} rows × {len(HEADERS)} columns")
    run = run_child([sys.executable, "-m", "bench.bench_export", "--child", "--rows", str(args.rows)])
    if run.returncode:
        print(run.stdout, run.stderr)
        return 1
    print(f"  wall {run.wall:.2f} s, peak {run.peak_mb:,.0f} MB")
    for line in run.stdout.splitlines():
        print(f"    {line}")
    met = run.wall <= TARGET_SECONDS and run.peak_mb <= TARGET_MB
    print(f"  target ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_MB:,.0f} MB: {'met' if met else 'not met'}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
