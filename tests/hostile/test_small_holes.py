"""The smaller holes: each tried the way an attacker (or an impatient clerk) would."""

import os
import secrets
import subprocess
import sys
import zlib
from pathlib import Path

import funding_steps as steps
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vbp import files
from vbp.accounts.models import Throttle, User
from vbp.appeals.models import Appeal
from vbp.assessment.models import PendingScoreUpload
from vbp.catalog.models import Batch
from vbp.funding.models import VisitReport
from vbp.rulesets.models import RuleSetVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]
ROOT = Path(__file__).resolve().parents[2]


def test_looking_at_a_visits_page_writes_nothing(client):
    hospital = User.objects.get(username="demo_hospital")
    VisitReport.objects.filter(hospital=hospital.hospital).delete()
    client.force_login(hospital)
    for year in (2024, 2023, 1999):
        assert client.get(f"/funding/visits/{hospital.hospital_id}/{year}/").status_code == 200
    assert not VisitReport.objects.filter(hospital=hospital.hospital).exists()


def test_an_appeal_sent_twice_is_filed_once(client):
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name=steps.BATCH)
    client.force_login(hospital)
    form = client.get("/appeals/new/").content.decode()
    start = form.index('name="submission_key" value="') + len('name="submission_key" value="')
    key = form[start : start + 36]
    data = {"batch": f"{batch.pk}-2024", "title": "重复提交", "text": "同一份表单点了两次。", "submission_key": key}
    first, second = client.post("/appeals/new/", data), client.post("/appeals/new/", data)
    assert first["Location"] == second["Location"]
    assert Appeal.objects.filter(title="重复提交").count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("有\x00空字符", "控制字符"), ("\u200b\u200b\u200b", "请填写申诉内容"), ("长" * 10000, "最多 5000 个字")],
)
def test_an_appeal_with_hostile_text_is_refused_with_a_reason(client, text, message):
    hospital = User.objects.get(username="demo_hospital")
    batch = Batch.objects.get(name=steps.BATCH)
    client.force_login(hospital)
    data = {"batch": f"{batch.pk}-2024", "title": "标题", "text": text, "submission_key": "not-a-uuid"}
    response = client.post("/appeals/new/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Appeal.objects.filter(title="标题").exists()


def test_a_pending_score_upload_waits_in_the_database_not_in_the_session(client):
    Batch.objects.filter(code="SX-2021-01").update(rule_set=RuleSetVersion.objects.get(code="wuhan"))
    batch = Batch.objects.get(code="SX-2021-01")
    client.force_login(User.objects.get(username="demo_city"))
    content = b"PK" + os.urandom(3 * 1024 * 1024)  # a large (broken) workbook: refused by its dry run, kept till then
    upload = SimpleUploadedFile("评分.xlsx", content)
    assert client.post(f"/assessment/offline/{batch.pk}/2024/upload/", {"file": upload}).status_code == 302
    pending = PendingScoreUpload.objects.get(batch=batch, year=2024)
    assert bytes(pending.content) == content
    session = client.session
    session_size = len(session.encode(dict(session.items())))
    assert session_size < 4096, session_size


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n1 0 obj\n" + body + b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def object_stream(body: bytes) -> bytes:
    packed = zlib.compress(body)
    return (
        b"%PDF-1.7\n5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n%%EOF\n"
    )


ACTIVE_PDFS = {
    "open action script": pdf_with(b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"),
    "escaped name": pdf_with(b"<< /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>"),
    "launch": pdf_with(b"<< /OpenAction << /S /Launch /F (cmd.exe) >> >>"),
    "embedded file": pdf_with(b"<< /Names << /EmbeddedFiles 2 0 R >> >>"),
    "inside an object stream": object_stream(b"1 0 << /OpenAction << /S /JavaScript /JS (x) >> >>"),
    "encrypted": pdf_with(b"<< /Type /Catalog >>").replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R"),
    "object stream in another encoding": object_stream(b"x").replace(b"/FlateDecode", b"/LZWDecode"),
}


@pytest.mark.parametrize("name", list(ACTIVE_PDFS))
def test_a_pdf_that_can_act_is_refused_at_upload(client, name):
    hospital = User.objects.get(username="demo_hospital")
    client.force_login(hospital)
    upload = SimpleUploadedFile("证明.pdf", ACTIVE_PDFS[name], content_type="application/pdf")
    client.post(f"/funding/visits/{hospital.hospital_id}/2024/proof/", {"file": upload})
    page = client.get(f"/funding/visits/{hospital.hospital_id}/2024/").content.decode()
    assert "不能上传" in page
    assert not VisitReport.objects.filter(hospital=hospital.hospital, proofs__isnull=False).exists()


def test_a_plain_pdf_is_kept_and_previewed_inline(client):
    hospital = User.objects.get(username="demo_hospital")
    client.force_login(hospital)
    plain = pdf_with(b"<< /Type /Catalog /Pages 2 0 R >>") + object_stream(b"1 0 << /Type /Page >>")
    upload = SimpleUploadedFile("证明.pdf", plain, content_type="application/pdf")
    client.post(f"/funding/visits/{hospital.hospital_id}/2024/proof/", {"file": upload})
    proof = VisitReport.objects.get(hospital=hospital.hospital, year=2024).proofs.get()
    response = client.get(f"/funding/proof/{proof.pk}/")
    assert response["Content-Disposition"].startswith("inline")


def test_an_active_pdf_stored_before_the_check_is_served_only_as_a_download(client):
    hospital = User.objects.get(username="demo_hospital")
    client.force_login(hospital)
    upload = SimpleUploadedFile("旧.pdf", pdf_with(b"<< /Type /Catalog >>"), content_type="application/pdf")
    client.post(f"/funding/visits/{hospital.hospital_id}/2024/proof/", {"file": upload})
    proof = VisitReport.objects.get(hospital=hospital.hospital, year=2024).proofs.get()
    files.path(proof.stored_as).write_bytes(ACTIVE_PDFS["open action script"])  # as if stored long ago
    response = client.get(f"/funding/proof/{proof.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_is_served_sandboxed(client):
    hospital = User.objects.get(username="demo_hospital")
    client.force_login(hospital)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    client.post(f"/funding/visits/{hospital.hospital_id}/2024/proof/", {"file": SimpleUploadedFile("a.png", png)})
    proof = VisitReport.objects.get(hospital=hospital.hospital, year=2024).proofs.get()
    assert "sandbox" in client.get(f"/funding/proof/{proof.pk}/")["Content-Security-Policy"]


def test_drawing_captchas_without_login_is_limited_per_address(client):
    refreshed = [
        client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest", REMOTE_ADDR="10.9.0.1").status_code
        for _ in range(31)
    ]
    assert refreshed[:30] == [200] * 30 and refreshed[30] == 429
    assert client.get("/login/", REMOTE_ADDR="10.9.0.1").status_code == 429  # the login page draws one too
    assert client.get("/login/", REMOTE_ADDR="10.9.0.2").status_code == 200  # another address is not held back
    assert Throttle.objects.count() == 2  # one counter per address and window, not one row per request


def run_production_check(secret: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env = {**clean, "DJANGO_ENV": "production", "DJANGO_SECRET_KEY": secret, "DJANGO_ALLOWED_HOSTS": "vbp.example.org"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "secret", ["short", "a" * 64, "django-insecure-" + secrets.token_urlsafe(50)], ids=["short", "repeated", "insecure"]
)
def test_a_weak_secret_key_stops_production_start_up(secret):
    result = run_production_check(secret)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_a_strong_secret_key_starts():
    assert run_production_check(secrets.token_urlsafe(64)).returncode == 0
