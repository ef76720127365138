"""The downloadable template of each import: Chinese headers, drop-downs, and a 填写说明 sheet.

Written by the one .xlsx writer (vbp.calc.xlsx), so every text in it stays text.
"""

from __future__ import annotations

import io

import polars as pl

from vbp.calc.xlsx import HEADER_FILL, Style, Validation, Worksheet, write_xlsx
from vbp.platformdata.fields import NO, YES, Column
from vbp.platformdata.importers import Importer

TEMPLATE_ROWS = 10000  # drop-downs cover this many rows
REQUIRED_COLOR, OPTIONAL_COLOR = "C00000", "000000"  # a required column's header is red
INSTRUCTIONS = "填写说明"
INSTRUCTION_HEADERS = ["列名", "是否必填", "填写要求", "说明"]
INSTRUCTION_WIDTHS = (24, 10, 40, 50)


def header_style(required: bool) -> Style:
    """A template's header cell: bold on light blue, red when the column must be filled."""
    return Style(bold=True, color=REQUIRED_COLOR if required else OPTIONAL_COLOR, fill=HEADER_FILL)


def template_workbook(importer: Importer) -> bytes:
    """The import's template as an .xlsx: its sheet with the headers, drop-downs and text columns, and 填写说明."""
    columns = importer.columns
    sheet = Worksheet(
        importer.sheet,
        frame=pl.DataFrame(),
        header=[column.header for column in columns],
        header_styles=[header_style(column.required) for column in columns],
        widths=[max(12, 2.2 * len(column.header) + 2) for column in columns],
        validations=[
            Validation(index, 2, TEMPLATE_ROWS, options=options, error=f"应为{column.expected}")
            for index, column in enumerate(columns)
            if (options := _options(column))
        ],
        text_columns=[index for index, column in enumerate(columns) if column.kind in ("text", "code")],
        freeze_header=True,
    )
    stream = io.BytesIO()
    write_xlsx(stream, [sheet, _instructions(importer)])
    return stream.getvalue()


def _options(column: Column) -> list[str]:
    """The drop-down of a choice or yes/no column; none for the others."""
    if column.kind == "choice":
        return list(column.choices)
    if column.kind == "bool":
        return [YES, NO]
    return []


def _instructions(importer: Importer) -> Worksheet:
    """填写说明: a title, how to fill in and upload, and a table of the columns."""
    lines = [
        f"{importer.title}导入模板 填写说明",
        f"在“{importer.sheet}”表第2行起逐行填写，表头不可修改；红色表头为必填列。列的顺序可调整，多余的列不导入。",
        "上传后先校验（不写入）：列出每一处问题所在的工作表、行号和列；确认后才写入，全部写入或全部不写入。",
        "再次导入相同编码的数据会更新原有数据。",
        *importer.notes,
        "",
    ]
    rows = [
        [column.header, "必填" if column.required else "可空", column.expected, column.note or None]
        for column in importer.columns
    ]
    table = pl.DataFrame(rows, schema={header: pl.String for header in INSTRUCTION_HEADERS}, orient="row")
    return Worksheet(
        INSTRUCTIONS,
        frame=table,
        preamble=lines,
        header_styles=[Style(bold=True, fill=HEADER_FILL)] * len(INSTRUCTION_HEADERS),
        widths=INSTRUCTION_WIDTHS,
        freeze_header=False,
    )
