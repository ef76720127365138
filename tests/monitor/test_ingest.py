"""Order lines streamed into month Parquet files (vbp.monitor.ingest): the same lines and the same problems as the
whole-file reader, row numbers right across batch boundaries, and nothing left behind when anything is wrong."""

from __future__ import annotations

import polars as pl
import pytest

from tests.monitor.conftest import AGREEMENT_HEADER, ORDER_HEADER, write_csv_folder, write_xlsx
from vbp.calc.problems import InputError, Problem
from vbp.monitor import ingest as ingest_module
from vbp.monitor.generate import default_products, generate, write_folder
from vbp.monitor.ingest import ingest
from vbp.monitor.read import read

GOOD = ["L1", "H1", "第一批", "阿莫西林", "是", "国药", "线上", "10", "100.00", "2024-01-10", "", "", "", ""]


def line(number: int, **changes) -> list[str]:
    row = list(GOOD)
    row[0] = f"L{number}"
    for header, value in changes.items():
        row[ORDER_HEADER.index(header)] = value
    return row


AGREEMENT = ["H1", "第一批", "阿莫西林", "100", "2024-01-01", "2024-12-31"]


def csv_of(tmp_path, rows: list[list[str]]):
    """A folder as `vbp monitor` reads it (order lines and an agreement); the path of its 订单明细.csv."""
    sheets = {"订单明细": [ORDER_HEADER, *rows], "约定采购量": [AGREEMENT_HEADER, AGREEMENT]}
    return write_csv_folder(tmp_path / "in", sheets) / "订单明细.csv"


def whole(source) -> pl.DataFrame:
    """The order lines as the whole-file reader reads the folder of ``source`` (InputError on a bad one)."""
    return read(source.parent).orders


def stored(result) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(path) for path in result.files()]).sort("order_no", "hospital")


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_generated_year_streams_into_the_same_lines_as_the_whole_file_reader_reads(tmp_path, kind):
    sheets = generate([f"H{index:03d}" for index in range(30)], default_products(2024, 10), lines=5000, year=2024)
    write_folder(sheets, tmp_path / "in", kind)
    source = tmp_path / "in" / f"订单明细.{kind}"
    result = ingest(source, source.name, tmp_path / "out", batch_rows=700)  # eight batches, the last one short
    assert result.problems == []
    lines = whole(source).drop("__row").sort("order_no", "hospital")
    assert result.rows == lines.height == 5000
    assert stored(result).equals(lines)
    by_month = lines.group_by(pl.col("ordered").dt.year(), pl.col("ordered").dt.month().alias("m")).len()
    assert result.months == {(year, month): count for year, month, count in by_month.sort("ordered", "m").iter_rows()}
    for path in result.files():  # each month's file holds that month's lines only
        months = pl.read_parquet(path).select(pl.col("ordered").dt.strftime("year=%Y/month=%m").unique())
        assert months.to_series().to_list() == [f"{path.parent.parent.name}/{path.parent.name}"]
    assert not (result.folder / "keys.parquet").exists()


def test_a_workbook_is_read_whole_and_stored_the_same_way(tmp_path):
    source = write_xlsx(tmp_path / "订单.xlsx", {"订单明细": [ORDER_HEADER, line(1), line(2, 下单日期="2024-03-05")]})
    result = ingest(source, source.name, tmp_path / "out")
    assert result.problems == []
    assert result.months == {(2024, 1): 1, (2024, 3): 1}
    assert stored(result)["order_no"].to_list() == ["L1", "L2"]


def test_bad_cells_are_named_by_their_row_in_the_file_whichever_batch_they_fall_in(tmp_path):
    rows = [line(number) for number in range(1, 21)]
    rows[4] = line(5, 采购数量="五")  # row 6 of the file
    rows[9] = [""] * len(ORDER_HEADER)  # a blank row 11 is skipped but still counted
    rows[15] = line(16, 下单日期="2024-02-30")  # row 17
    result = ingest(csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "out", batch_rows=4)
    assert result.problems == [
        Problem("订单明细", 6, "H（采购数量）", "应为≥ 0 的整数，实为“五”"),
        Problem("订单明细", 17, "J（下单日期）", "应为日期（如 2024-01-31），实为“2024-02-30”"),
    ]
    assert not result.folder.exists() and result.months == {}


def test_a_line_repeated_in_another_batch_and_month_is_named_with_the_row_it_repeats(tmp_path):
    rows = [line(number) for number in range(1, 11)]
    rows[8] = line(3, 下单日期="2024-05-01")  # row 10 repeats row 4 (L3, H1), three batches later, another month
    result = ingest(csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "out", batch_rows=3)
    assert result.problems == [
        Problem("订单明细", 10, "A（订单编号）、B（医疗机构编码）", "订单编号、医疗机构编码与第4行重复")
    ]
    assert not result.folder.exists()


def test_the_same_order_number_at_two_hospitals_is_two_lines(tmp_path):
    rows = [line(1), line(1, 医疗机构编码="H2")]
    result = ingest(csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "out")
    assert result.problems == [] and result.rows == 2


@pytest.mark.parametrize(
    "changes",
    [
        {3: {"采购金额": "1.234"}, 14: {"采购数量": "-1"}, 21: {"订单编号": "\x00"}, 26: {"订单编号": "L2"}},
        {8: {"入库日期": "2024-01-12"}, 13: {"配送日期": "2024-01-01"}, 29: {"入库金额": "5"}},
    ],
    ids=["bad cells", "bad rows"],
)
def test_the_whole_file_reader_and_the_stream_find_the_same_problems(tmp_path, changes):
    rows = [line(number, **changes.get(number, {})) for number in range(1, 31)]
    source = csv_of(tmp_path, rows)
    with pytest.raises(InputError) as refused:
        whole(source)
    streamed = ingest(source, "订单明细.csv", tmp_path / "out", batch_rows=6).problems
    assert sorted(streamed, key=str) == sorted(refused.value.problems, key=str)
    assert len(streamed) == len(changes)


def test_past_the_limit_the_rest_of_the_file_is_not_read_and_the_user_is_told_where_it_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "MAX_PROBLEMS", 5)
    rows = [line(number, 采购数量="x") for number in range(1, 101)]
    result = ingest(csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "out", batch_rows=10)
    assert len(result.problems) == 6
    assert result.problems[-1] == Problem("订单明细.csv", None, "", "问题超过 5 处，第 11 行之后未再检查")
    assert not result.folder.exists()


def test_the_callers_checks_run_on_every_batch_and_on_the_whole(tmp_path):
    rows = [line(number, 医疗机构编码="H9" if number == 7 else "H1") for number in range(1, 11)]
    seen = []

    def unknown(typed: pl.DataFrame, letters: dict) -> list[Problem]:
        return [
            Problem("订单明细", row, "B（医疗机构编码）", "系统中没有")
            for row in typed.filter(pl.col("hospital") == "H9")["__row"]
        ]

    def finish(result) -> list[Problem]:
        seen.append((result.rows, len(result.files())))
        return []

    result = ingest(
        csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "out", check=unknown, finish=finish, batch_rows=4
    )
    assert result.problems == [Problem("订单明细", 8, "B（医疗机构编码）", "系统中没有")]
    assert seen == []  # the whole is checked only once every batch is good
    rows[6] = line(7)
    result = ingest(csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "again", check=unknown, finish=finish)
    assert result.problems == [] and seen == [(10, 1)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("订单明细.parquet", b"PAR1 not really", "无法读取文件"),
        ("订单明细.txt", b"a,b\n1,2\n", "应为 .csv、.parquet 或 .xlsx 文件"),
        ("订单明细.csv", "订单编号,医疗机构编码\nL1,H1\n".encode(), "缺少列“带量批次”"),
        ("订单明细.csv", b"", "缺少列"),
        ("订单明细.csv", b"\xff\xfe\x00\x00garbage\n\x00\x01", "缺少列"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_problem_and_leaves_nothing(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    result = ingest(source, name, tmp_path / "out")
    assert result.problems and message in result.problems[0].message
    assert not result.folder.exists()


def test_a_failure_part_way_removes_what_was_written(tmp_path):
    rows = [line(number) for number in range(1, 11)]

    def explode(typed: pl.DataFrame, letters: dict) -> list[Problem]:
        if typed["__row"].min() > 5:
            raise RuntimeError("disk full")
        return []

    with pytest.raises(RuntimeError):
        ingest(csv_of(tmp_path, rows), "订单明细.csv", tmp_path / "out", check=explode, batch_rows=4)
    assert not (tmp_path / "out").exists()
