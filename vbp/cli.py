"""The ``vbp`` command: ``vbp calc`` computes retained amounts offline (docs/calculator.md); ``vbp monitor``
writes the procurement monitoring report (docs/monitoring.md)."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from vbp.calc.check import check
from vbp.calc.problems import InputError
from vbp.calc.run import calculate, workbook_rule_set
from vbp.core.rules import RuleSetError
from vbp.presets import PRESETS, resolve_rule_set

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vbp", description="集采结余留用测算工具")
    commands = parser.add_subparsers(dest="command", required=True)
    calc = commands.add_parser(
        "calc",
        help="离线测算留用金额",
        description="按考核方案测算留用金额：输入 .xlsx 工作簿或 CSV 文件夹，输出 .xlsx 工作簿。",
    )
    calc.add_argument("input", type=Path, help="输入工作簿（.xlsx）或 CSV 文件夹")
    calc.add_argument("-o", "--output", type=Path, help="输出工作簿（.xlsx）")
    calc.add_argument(
        "--rules",
        help=f"考核方案：{'、'.join(PRESETS)}，或 RULES.json 文件路径（默认用工作簿的“规则”表，没有则用 default）",
    )
    calc.add_argument("--check", action="store_true", help="只核对工作簿中已有的测算结果，不写文件")
    calc.add_argument("--engine", choices=("auto", "vectorized", "rows"), default="auto", help=argparse.SUPPRESS)
    calc.add_argument("--timings", action="store_true", help="打印各阶段耗时（读取、校验、计算、写出）")
    monitor = commands.add_parser(
        "monitor",
        help="离线生成采购使用监测通报",
        description=(
            "由订单明细、约定采购量（和报量）生成监测通报：输入 .xlsx 工作簿或 CSV/Parquet 文件夹，输出 .xlsx 工作簿。"
        ),
    )
    monitor.add_argument("input", type=Path, help="输入工作簿（.xlsx）或 CSV/Parquet 文件夹")
    monitor.add_argument("-o", "--output", type=Path, required=True, help="输出工作簿（.xlsx）")
    monitor.add_argument("--as-of", type=_date, help="监测日期（如 2024-06-30，默认今天）")
    monitor.add_argument("--timings", action="store_true", help="打印各阶段耗时")
    return parser


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，应如 2024-06-30") from None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "monitor":
        return _monitor(args)
    try:
        rule_set = resolve_rule_set(args.rules) if args.rules else None
        if args.check:
            return _check(args, rule_set)
        if args.output is None:
            print("vbp calc: 请用 -o 指定输出工作簿", file=sys.stderr)
            return USAGE_ERROR
        # like --check: a workbook naming its rule set (规则) is computed under it, unless --rules says otherwise
        return _calculate(args, rule_set or workbook_rule_set(args.input) or resolve_rule_set("default"))
    except RuleSetError as error:
        print(error, file=sys.stderr)
        return USAGE_ERROR
    except InputError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"共 {len(error.problems)} 处问题，未生成任何文件。", file=sys.stderr)
        return 1


def _calculate(args, rule_set) -> int:
    if args.output.suffix.lower() != ".xlsx":
        print("vbp calc: 输出文件应以 .xlsx 结尾", file=sys.stderr)
        return USAGE_ERROR
    timings, summary = calculate(args.input, args.output, rule_set, engine_name=args.engine)
    print(f"考核方案 {rule_set.label}（{rule_set.name}）")
    print(f"品种 {summary.rows} 行，医疗机构 {summary.hospitals} 家")
    print(f"留用金额合计 {summary.retained_total:,f}，应留用金额合计 {summary.payable_total:,f}")
    print(f"已写出 {args.output}")
    if args.timings:
        for phase, seconds in timings.phases.items():
            print(f"{phase}: {seconds:.2f} s")
    return 0


def _check(args, rule_set) -> int:
    result = check(args.input, rule_set)
    for mismatch in result.mismatches:
        print(mismatch)
    rule_set = result.rule_set
    print(
        f"考核方案 {rule_set.label}（{rule_set.name}）；核对 {result.checked} 列，不一致 {len(result.mismatches)} 处。"
    )
    return 1 if result.mismatches else 0


def _monitor(args) -> int:
    from vbp.monitor.run import monitor  # DuckDB is loaded only for this command

    if args.output.suffix.lower() != ".xlsx":
        print("vbp monitor: 输出文件应以 .xlsx 结尾", file=sys.stderr)
        return USAGE_ERROR
    as_of = args.as_of or datetime.date.today()  # noqa: DTZ011 (the user's own calendar day)
    try:
        result, timings = monitor(args.input, args.output, as_of)
    except InputError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"共 {len(error.problems)} 处问题，未生成任何文件。", file=sys.stderr)
        return 1
    print(f"监测日期 {as_of.isoformat()}：订单 {result.lines} 行，约定采购量 {result.agreements} 条")
    print(
        f"低于序时进度 {result.behind} 条，报量降幅超20% {result.dropped} 条，"
        f"逾期回款 {result.late} 行，线下采购 {result.offline} 行"
    )
    print(f"已写出 {args.output}")
    if args.timings:
        for phase, seconds in timings.items():
            print(f"{phase}: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
