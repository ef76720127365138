"""The downloadable template of each import: Chinese headers, drop-downs, and a 填写说明 sheet."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from vbp.platformdata.fields import NO, YES
from vbp.platformdata.importers import Importer

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TEMPLATE_ROWS = 10000  # drop-downs cover this many rows


def template_workbook(importer: Importer) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = importer.sheet
    for index, column in enumerate(importer.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = max(12, 2.2 * len(column.header) + 2)
        options = list(column.choices) if column.kind == "choice" else [YES, NO] if column.kind == "bool" else None
        if options:
            letter = get_column_letter(index)
            validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            validation.error = f"应为{column.expected}"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        if column.kind in ("text", "code"):
            for row in range(2, 3):  # format the first data row as text so codes keep leading zeros
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    _instructions(workbook.create_sheet("填写说明"), importer)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _instructions(sheet, importer: Importer) -> None:
    sheet.append([f"{importer.title}导入模板 填写说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    lines = [
        f"在“{importer.sheet}”表第2行起逐行填写，表头不可修改；红色表头为必填列。列的顺序可调整，多余的列不导入。",
        "上传后先校验（不写入）：列出每一处问题所在的工作表、行号和列；确认后才写入，全部写入或全部不写入。",
        "再次导入相同编码的数据会更新原有数据。",
        *importer.notes,
    ]
    for line in lines:
        sheet.append([line])
    sheet.append([])
    sheet.append(["列名", "是否必填", "填写要求", "说明"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for column in importer.columns:
        sheet.append([column.header, "必填" if column.required else "可空", column.expected, column.note])
    for letter, width in zip("ABCD", (24, 10, 40, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, vertical="top")
