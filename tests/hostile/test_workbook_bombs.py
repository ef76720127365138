"""Workbook bombs through the real paths: the import page, Wuhan's score upload, and `vbp calc` (--check).

Each file here would make calamine ask for gigabytes (a lone cell at XFD1048576 asks for 550 GB and kills
the process) or chew hundreds of megabytes of XML. Each is refused with a clear message before any parser
opens it, no job is left at 校验中, and the server goes on answering.

The calculator runs in a child process under a memory limit: should the guard ever let a bomb through,
the test fails (the parser panics or runs out of memory there) instead of taking the test run down. The
web paths run in this process, where no memory limit can be set: there the guard's own message, asserted
on each page, shows that it ran before the parser.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vbp.accounts.models import User
from vbp.calc.guard import format_bytes
from vbp.catalog.models import Batch
from vbp.platformdata.models import ImportJob
from vbp.platformdata.tasks import dry_run_task
from vbp.rulesets.models import RuleSetVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
MEMORY_LIMIT = 3 << 30  # of the child process running `vbp calc`: ample for a real workbook of this size
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
SHEET = "xl/worksheets/sheet1.xml"


def sheet_head(dimension: str | None = None) -> str:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{head}<sheetData>'


TAIL = "</sheetData></worksheet>"


def workbook(body: str, dimension: str | None = None) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in PARTS.items():
            archive.writestr(name, content)
        archive.writestr(SHEET, sheet_head(dimension) + body + TAIL)
    return stream.getvalue()


def one_cell(reference: str, dimension: str | None = None) -> bytes:
    row = "".join(char for char in reference if char.isdigit())
    return workbook(f'<row r="{row}"><c r="{reference}"><v>1</v></c></row>', dimension)


def lying_dimension() -> bytes:
    """Says A1:B2, and holds a cell at XFD1048576."""
    cells = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
    return workbook(cells + '<row r="1048576"><c r="XFD1048576"><v>3</v></c></row>', "A1:B2")


def stretched_columns() -> bytes:
    """A header, and a far row of cells without r: each takes the next column, out to CV."""
    return workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000">' + "<c><v>1</v></c>" * 100 + "</row>")


def xml_bomb(path: Path) -> Path:
    """372 MB of XML rows deflated as they are written (the test holds no more than a block of them)."""
    rows = "".join(f'<row r="1"><c r="{letter}1" t="inlineStr"><is><t>甲</t></is></c></row>' for letter in "ABCDEFGH")
    block = (rows * (MiB // len(rows.encode()) + 1)).encode()[: MiB - 1].rsplit(b"</row>", 1)[0] + b"</row>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in PARTS.items():
            archive.writestr(name, content)
        with archive.open(SHEET, "w", force_zip64=True) as stream:
            stream.write(sheet_head().encode())
            for _ in range(372):
                stream.write(block)
            stream.write(TAIL.encode())
    return path


def lying_sizes() -> bytes:
    """A sheet that inflates to 40 MB while the zip says 1 MB: small enough for every declared check."""
    body = '<row r="1"><c r="A1"><v>1</v></c></row>' + "<!-- padding -->" * (40 * MiB // 16)
    content = bytearray(workbook(body))
    name = SHEET.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = content.find(signature)
        while at >= 0:
            if content[at + name_at : at + name_at + len(name)] == name:
                content[at + size_at : at + size_at + 4] = struct.pack("<L", MiB)
            at = content.find(signature, at + 1)
    return bytes(content)


AREA = "已用区域 A1:{last} 达 {rows} 行 × {columns} 列（{cells} 个单元格），超过上限 20,000,000 个单元格，已拒绝"
XFD = AREA.format(last="XFD1048576", rows="1,048,576", columns="16,384", cells="17,179,869,184")
BOMBS = {
    "XFD1048576 alone": (lambda: one_cell("XFD1048576"), XFD),
    "XFD1048576 and its dimension": (
        lambda: one_cell("XFD1048576", "A1:XFD1048576"),
        "声明的范围 A1:XFD1048576 达 1,048,576 行 × 16,384 列（17,179,869,184 个单元格），超过上限 20,000,000 个单元格",
    ),
    "Z1000000 alone": (
        lambda: one_cell("Z1000000"),
        AREA.format(last="Z1000000", rows="1,000,000", columns="26", cells="26,000,000"),
    ),
    "a dimension that lies": (lying_dimension, XFD),
    "cells without r": (
        stretched_columns,
        AREA.format(last="CV1000000", rows="1,000,000", columns="100", cells="100,000,000"),
    ),
    "sizes that lie": (
        lying_sizes,
        "工作簿已损坏：Sheet1 的实际内容与压缩包的记录不符（解压后超过记录的 1 MB），已拒绝",
    ),
}


@pytest.fixture(scope="module")
def bomb_file(tmp_path_factory) -> bytes:
    return xml_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx").read_bytes()


def ratio_message(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        inflated = sum(info.file_size for info in archive.infolist())
    assert inflated > 370 * MiB and len(content) < 2 * MiB
    ratio = inflated / len(content)
    return f"工作簿解压后达 {format_bytes(inflated)}，压缩比 {ratio:,.0f}:1 异常（上限 100:1），疑似压缩炸弹，已拒绝"


def rows_in_database() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


# --- the import page (数据导入) ---


def import_file(client, content: bytes, name: str = "医疗机构.xlsx"):
    client.force_login(User.objects.get(username="demo_province"))
    file = SimpleUploadedFile(name, content)
    return client.post(reverse("platformdata:import_upload"), {"kind": "hospitals", "file": file}, follow=True)


def assert_refused(client, response, expected: str) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    assert "发现 1 处问题" in page and expected in page, page
    assert ImportJob.objects.latest("pk").status == ImportJob.Status.REFUSED  # not left at 校验中
    assert client.get(reverse("home")).status_code == 200  # and the server goes on answering


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_an_import_of_a_bomb_is_refused_with_its_reason(client, settings, bomb):
    settings.VBP_IMPORT_BACKGROUND_BYTES = 64 * MiB  # checked within the request, as a small file is
    build, expected = BOMBS[bomb]

    assert_refused(client, import_file(client, build()), expected)


def test_an_import_of_372_mb_of_xml_is_refused_by_its_expansion_ratio(client, settings, bomb_file):
    settings.VBP_IMPORT_BACKGROUND_BYTES = 64 * MiB

    assert_refused(client, import_file(client, bomb_file), ratio_message(bomb_file))


def test_the_background_worker_refuses_a_bomb_too(client, bomb_file):
    """A file over VBP_IMPORT_BACKGROUND_BYTES is checked by the worker: the job ends refused, not 校验中."""
    response = import_file(client, bomb_file)
    job = ImportJob.objects.latest("pk")
    assert response.status_code == 200 and job.status == ImportJob.Status.CHECKING

    dry_run_task.call(job.pk)  # what the worker runs

    assert_refused(client, client.get(reverse("platformdata:import", args=[job.pk])), ratio_message(bomb_file))


def test_a_random_100_mb_upload_is_refused_before_anything_is_stored(client):
    client.force_login(User.objects.get(username="demo_province"))
    body = RandomUpload(100 * MiB)
    before = rows_in_database()

    response = client.generic(
        "POST",
        reverse("platformdata:import_upload"),
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={RandomUpload.BOUNDARY}",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "文件过大：上传内容超过 50 MB 上限" in response.content.decode()
    assert body.sent == 0  # answered before a byte of the body was read
    assert rows_in_database() == before  # no ImportJob, no audit row, nothing
    assert client.get(reverse("home")).status_code == 200


class RandomUpload(io.RawIOBase):
    """A multipart body holding a random file of ``size`` bytes, made as it is read (never held whole)."""

    BOUNDARY = "----vbp-random-upload"

    def __init__(self, size: int):
        self.head = (
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nhospitals\r\n'
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="随机.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.random = size
        self.size = len(self.head) + size + len(self.tail)
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            data, self.head = self.head[: len(buffer)], self.head[len(buffer) :]
        elif self.random:
            data = os.urandom(min(len(buffer), self.random, MiB))
            self.random -= len(data)
        else:
            data, self.tail = self.tail[: len(buffer)], self.tail[len(buffer) :]
        buffer[: len(data)] = data
        self.sent += len(data)
        return len(data)


def test_a_real_import_of_a_thousand_rows_still_goes_through(client):
    book = openpyxl.Workbook()
    book.active.title = "医疗机构"
    book.active.append(["医疗机构编码", "医疗机构名称", "地市", "区县", "医院等级", "所属统筹区", "省直属"])
    for number in range(1, 1001):
        book.active.append([f"T{number:04d}", f"测试医院{number}", "太原市", "小店区", "二级甲等", "太原市", "否"])
    stream = io.BytesIO()
    book.save(stream)

    page = import_file(client, stream.getvalue()).content.decode()
    assert "校验通过" in page, page
    job = ImportJob.objects.latest("pk")
    done = client.post(reverse("platformdata:import_confirm", args=[job.pk]), follow=True).content.decode()

    assert "导入完成：新增 1000 行" in done


# --- Wuhan's score upload (考核数据上传) ---


@pytest.mark.parametrize("bomb", ["XFD1048576 alone", "a dimension that lies", "sizes that lie"])
def test_a_bomb_uploaded_as_wuhan_scores_is_refused(client, bomb):
    build, expected = BOMBS[bomb]
    assert expected in wuhan_upload(client, build())


def test_372_mb_of_xml_uploaded_as_wuhan_scores_is_refused(client, bomb_file):
    assert ratio_message(bomb_file) in wuhan_upload(client, bomb_file)


def wuhan_upload(client, content: bytes) -> str:
    Batch.objects.filter(name="国家第一批集中带量采购").update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    batch = Batch.objects.get(name="国家第一批集中带量采购")
    client.force_login(User.objects.get(username="demo_district"))
    url = reverse("assessment:offline_upload", args=[batch.pk, 2024])

    response = client.post(url, {"file": SimpleUploadedFile("考核评分.xlsx", content)}, follow=True)

    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 200
    return response.content.decode()


# --- the offline calculator ---

CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from vbp.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)
OFFLINE = {
    "XFD1048576 alone": "已用区域 A1:XFD1048576 达 1,048,576 行 × 16,384 列（17,179,869,184 个单元格），"
    "超过上限 48,000,000 个单元格，已拒绝",
    "Z1000000 alone": "已用区域 A1:Z1000000 达 1,000,000 行 × 26 列（26,000,000 个单元格），却只有 1 个单元格，"
    "疑似恶意构造的稀疏工作表，已拒绝",
    "a dimension that lies": "已用区域 A1:XFD1048576",
    "cells without r": "已用区域 A1:CV1000000 达 1,000,000 行 × 100 列（100,000,000 个单元格），超过上限",
    "sizes that lie": BOMBS["sizes that lie"][1],
}


def vbp_calc(tmp_path: Path, content: bytes, *arguments: str) -> tuple[subprocess.CompletedProcess, Path]:
    source, output = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    source.write_bytes(content)
    command = [sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT), "calc", str(source), *arguments]
    if "--check" not in arguments:
        command += ["-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    return result, output


@pytest.mark.parametrize("check", [False, True], ids=["calc", "calc --check"])
@pytest.mark.parametrize("bomb", list(OFFLINE))
def test_vbp_calc_refuses_a_bomb_as_bad_input(tmp_path, bomb, check):
    result, output = vbp_calc(tmp_path, BOMBS[bomb][0](), *(["--check"] if check else []))

    assert result.returncode == 1, result.stderr
    assert OFFLINE[bomb] in result.stderr
    assert result.stderr.strip().endswith("共 1 处问题，未生成任何文件。")
    assert not output.exists()


@pytest.mark.parametrize("check", [False, True], ids=["calc", "calc --check"])
def test_vbp_calc_refuses_372_mb_of_xml(tmp_path, bomb_file, check):
    result, output = vbp_calc(tmp_path, bomb_file, *(["--check"] if check else []))

    assert result.returncode == 1, result.stderr
    assert ratio_message(bomb_file) in result.stderr
    assert not output.exists()
