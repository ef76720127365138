"""Our .xlsx as another spreadsheet program reads it: LibreOffice Calc converts it to CSV, one file per sheet.

LibreOffice (Debian's libreoffice-calc, /usr/bin/soffice) is skipped when missing, unless VBP_REQUIRE_BROWSER=1
(CI sets it), which makes a missing soffice a failure. Each conversion runs in its own LibreOffice profile.

What LibreOffice shows, and where it differs from Excel by its own doing:
- numbers in its standard format: 15 significant digits (so the comparison rounds to 15 digits);
- a line break written as CR LF is one line break to LibreOffice (as it is for an XlsxWriter file): it shows LF;
  a CR alone it keeps;
- dates before 1900-03-01: LibreOffice counts serial numbers from 1899-12-30 without Excel's fictitious
  1900-02-29, so it shows Excel's 1900-01-15 (serial 15, as Excel and XlsxWriter write it) as 1900-01-14. The
  serial is checked in the sheet XML; LibreOffice's display is checked to be that day less one.
"""

import csv
import datetime
import io
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest

from vbp.calc import xlsx

SOFFICE = "/usr/bin/soffice"
TIMEOUT = 120  # seconds per soffice call
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"  # raw values
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))

TEXTS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "a\rb",
    "a\r\nb",
    "c\x01d",
    "中文医院",
    "_x005F_x0041_",
    "_x0041\x01",
]
DECIMALS = [Decimal("1.25"), Decimal("123456789012.345"), Decimal("-0.5"), None, Decimal("0.1"), Decimal(3), None, None]
INTEGERS = [2**53, 12345678901234567, -7, 0, None, 2024, 1, 2]
DATES = [
    datetime.date(1900, 1, 15),
    datetime.date(1900, 3, 1),
    datetime.date(2024, 2, 29),
    datetime.date(1899, 12, 31),  # before Excel's first day: written as text
    datetime.date(1900, 1, 1),
    datetime.date(1900, 2, 28),
    None,
    datetime.date(9999, 12, 31),
]
MOMENTS = [  # aware: written as the wall-clock time in Shanghai
    datetime.datetime(2024, 3, 31, 16, 30, 15, tzinfo=datetime.UTC),
    datetime.datetime(2024, 4, 1, 0, 30, tzinfo=SHANGHAI),
    None,
    datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
    *[None] * 4,
]
SHOWN_MOMENTS = ["2024-04-01 00:30:15", "2024-04-01 00:30:00", "", "2000-01-01 08:00:00", "", "", "", ""]
BOOLEANS = [True, False, None, True, False, True, False, True]
SHEETS = {
    "数据明细": pl.DataFrame(
        {
            "文本": TEXTS,
            "金额": pl.Series(DECIMALS, dtype=pl.Decimal(38, 3)),
            "整数": INTEGERS,
            "日期": pl.Series(DATES, dtype=pl.Date),
            "时间": pl.Series(MOMENTS, dtype=pl.Datetime("us", "UTC")),
            "是否": BOOLEANS,
        }
    ),
    "Second": pl.DataFrame({"n": [1.5, -2.0], "名称": ["第二张表", "=2+2"]}),
}


def soffice_or_skip() -> str:
    if os.path.exists(SOFFICE):
        return SOFFICE
    reason = f"LibreOffice is not installed ({SOFFICE}): apt-get install --no-install-recommends libreoffice-calc"
    if os.environ.get("VBP_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> tuple[Path, dict[str, list[list[str]]]]:
    """Our workbook, and each sheet's rows as LibreOffice converts them to CSV."""
    soffice = soffice_or_skip()
    folder = tmp_path_factory.mktemp("libreoffice")
    workbook = folder / "ours.xlsx"
    xlsx.write_xlsx(workbook, [xlsx.Worksheet(name, frame) for name, frame in SHEETS.items()])
    output = folder / "csv"
    profile = (folder / "profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", ALL_SHEETS_CSV]
    done = subprocess.run(
        [*command, "--outdir", str(output), str(workbook)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    sheets = {}
    for name in SHEETS:
        path = output / f"ours-{name}.csv"
        assert path.exists(), f"LibreOffice wrote no {path.name}: {sorted(os.listdir(output))} {done.stdout}"
        with open(path, encoding="utf-8", newline="") as file:
            sheets[name] = list(csv.reader(file))
    shutil.rmtree(folder / "profile", ignore_errors=True)
    return workbook, sheets


def column(rows: list[list[str]], header: str) -> list[str]:
    index = rows[0].index(header)
    return [row[index] if index < len(row) else "" for row in rows[1:]]


def fifteen_digits(value) -> float | None:
    return None if value is None else float(f"{float(value):.15g}")


def test_libreoffice_sees_every_sheet_with_its_name_and_header(converted):
    _, sheets = converted

    assert list(sheets) == ["数据明细", "Second"]
    assert sheets["数据明细"][0] == ["文本", "金额", "整数", "日期", "时间", "是否"]
    assert sheets["Second"] == [["n", "名称"], ["1.5", "第二张表"], ["-2", "=2+2"]]


def test_text_is_text_whatever_it_starts_with_and_keeps_its_cr_and_control_characters(converted):
    _, sheets = converted
    shown = [text.replace("\r\n", "\n") for text in TEXTS]  # LibreOffice's one line break (see above)

    assert column(sheets["数据明细"], "文本") == shown  # "=1+1" is not 2: no formula was written
    assert shown[2] == "a\rb"


def test_numbers_and_booleans_read_as_written(converted):
    rows = converted[1]["数据明细"]

    amounts = [fifteen_digits(text) if text else None for text in column(rows, "金额")]
    integers = [fifteen_digits(text) if text else None for text in column(rows, "整数")]
    assert amounts == [fifteen_digits(value) for value in DECIMALS]
    assert integers == [fifteen_digits(value) for value in INTEGERS]
    assert column(rows, "是否") == ["" if value is None else str(value).upper() for value in BOOLEANS]


def test_dates_and_aware_datetimes_show_as_written(converted):
    workbook, sheets = converted
    rows = sheets["数据明细"]

    shown = column(rows, "日期")
    serials = date_serials(workbook)
    assert serials[:3] == [15.0, 61.0, 45351.0] and serials[4:6] == [1.0, 59.0]  # Excel's own serials
    assert shown[3] == "1899-12-31"  # no date in Excel: the ISO text
    for value, text in zip(DATES, shown, strict=True):
        if value is None or value < datetime.date(1900, 1, 1):
            continue
        lag = datetime.timedelta(days=1 if value < datetime.date(1900, 3, 1) else 0)  # LibreOffice's own count
        assert text == (value - lag).isoformat(), value
    assert column(rows, "时间") == SHOWN_MOMENTS


def date_serials(workbook: Path) -> list[float | None]:
    """The 日期 column's cells as the sheet XML holds them (column D of the first sheet)."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(workbook) as archive:
        root = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    cells = {cell.get("r"): cell for cell in root.iter(f"{main}c")}
    serials = []
    for row in range(2, 2 + len(DATES)):
        cell = cells.get(f"D{row}")
        number = cell is not None and cell.get("t") is None
        serials.append(float(cell.find(f"{main}v").text) if number else None)
    return serials


def test_the_workbook_is_a_sound_zip(converted):
    workbook, _ = converted

    with zipfile.ZipFile(io.BytesIO(workbook.read_bytes())) as archive:
        assert archive.testzip() is None
