"""Fixtures for the offline calculator: real .xlsx inputs written into tmp_path, read back as a user sees them.

Helpers that hold no per-test state are session-scoped, so hypothesis tests may use them.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from vbp.cli import main

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench.generate_workbook lives beside vbp, outside the package
    sys.path.insert(0, str(ROOT))

PRODUCT_HEADERS = [
    "医疗机构编码", "医疗机构名称", "带量批次", "药品通用名", "规格", "综合得分", "约定采购量",
    "采购量基数", "中选价格", "加权平均价", "非中选产品使用金额", "医保基金平均支付比例",
]  # fmt: skip
SEED_VISITS = {
    "省直": 50000, "太原市": 20000, "运城市": 1000, "阳泉市": 2000, "忻州市": 1000, "朔州市": 111,
    "吕梁市": 2000, "临汾市": 1, "晋中市": 1, "晋城市": 1, "大同市": 1, "长治市": 1,
}  # fmt: skip


def seed_input() -> dict[str, list[list]]:
    """The worked example of seed 000 §3.1 (docs/calculator.md) as sheets of rows, header first."""
    return {
        "品种明细": [
            PRODUCT_HEADERS,
            [
                "P001",
                "山西省人民医院",
                "国家第一批集中带量采购",
                "盐酸右美托咪定注射液",
                "2ml:0.2mg",
                100,
                1500,
                3000,
                133.000,
                129.397,
                1494450.000,
                70,
            ],
        ],
        "医疗机构": [["医疗机构编码", "医疗机构名称", "上一年度住院总人次"], ["P001", "山西省人民医院", 100000]],
        "参保住院人次": [
            ["医疗机构编码", "统筹区", "住院人次"],
            *[["P001", pool, n] for pool, n in SEED_VISITS.items()],
        ],
    }


def write_xlsx(
    path: Path,
    sheets: dict[str, list[list]],
    *,
    above: dict[str, list[list]] | None = None,
    number_formats: dict[tuple[str, str], str] | None = None,
) -> Path:
    """Write sheets of rows with openpyxl; ``above`` puts rows (a title, blanks) before a sheet's header.

    ``number_formats`` maps (sheet, cell such as "L2") to an Excel number format.
    """
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in (above or {}).get(name, []):
            sheet.append(row)
        for row in rows:
            sheet.append(row)
    for (name, cell), code in (number_formats or {}).items():
        workbook[name][cell].number_format = code
    workbook.save(path)
    return path


@dataclass
class Book:
    """A workbook as python_calamine reads it: every sheet's cells, header first."""

    sheets: dict[str, list[list]]

    def records(self, sheet: str) -> list[dict]:
        header, *rows = self.sheets[sheet]
        return [dict(zip(header, row, strict=True)) for row in rows]

    def keyed(self, sheet: str, key: Iterable[str]) -> dict[tuple, dict]:
        key = tuple(key)
        records = self.records(sheet)
        keyed = {tuple(record[k] for k in key): record for record in records}
        assert len(keyed) == len(records), f"{sheet}: key {key} is not unique"
        return keyed


def read_xlsx(path: Path) -> Book:
    workbook = CalamineWorkbook.from_path(str(path))
    return Book({name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names})


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def problems(self) -> list[str]:
        return [line for line in self.err.splitlines() if not line.startswith("共 ")]


def run_vbp(*argv) -> Run:
    """``vbp`` with these arguments, its exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    return Run(code, out.getvalue(), err.getvalue())


def calc(input_path: Path, output: Path, rules: str = "default", engine: str = "auto") -> Book:
    """``vbp calc`` that must succeed; the output workbook as read back."""
    result = run_vbp("calc", input_path, "-o", output, "--rules", rules, "--engine", engine)
    assert result.code == 0, result.err
    return read_xlsx(output)


@pytest.fixture
def seed() -> dict[str, list[list]]:
    return seed_input()


@pytest.fixture(scope="session")
def xlsx() -> Callable[..., Path]:
    return write_xlsx


@pytest.fixture(scope="session")
def read() -> Callable[[Path], Book]:
    return read_xlsx


@pytest.fixture(scope="session")
def vbp() -> Callable[..., Run]:
    return run_vbp


@pytest.fixture(scope="session")
def vbp_calc() -> Callable[..., Book]:
    return calc
