"""The upload size limit (vbp.web.uploads): 413 before the body is read, and before anything is stored."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.core.handlers.asgi import ASGIRequest
from django.urls import reverse

from vbp.accounts.models import Role, User
from vbp.platformdata.models import ImportJob
from vbp.regions.models import Region
from vbp.web.uploads import ENVELOPE_BYTES, UploadLimitHandler, UploadLimitMiddleware

pytestmark = pytest.mark.django_db

BOUNDARY = "----vbp-test-boundary"


@pytest.fixture
def province(db) -> User:
    region = Region.objects.create(code="140000", name="山西省", level=Region.Level.PROVINCE)
    return User.objects.create_user("province", role=Role.PROVINCE, region=region, must_change_password=False)


def upload(client, content: bytes, name: str = "医疗机构.csv"):
    file = SimpleUploadedFile(name, content)
    return client.post(reverse("platformdata:import_upload"), {"kind": "hospitals", "file": file})


def rows_in_database() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


class Body(io.RawIOBase):
    """A request body that counts what is read of it."""

    def __init__(self, content: bytes):
        self.stream, self.read_bytes = io.BytesIO(content), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


def multipart(content: bytes, name: str = "医疗机构.csv") -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nhospitals\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def test_a_body_declared_larger_than_the_limit_is_refused_unread(client, province, settings):
    settings.VBP_UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(province)
    body = Body(multipart(b"x" * (1024 * 1024 + ENVELOPE_BYTES + 1)))
    before = rows_in_database()

    response = client.generic(
        "POST",
        reverse("platformdata:import_upload"),
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(body.stream.getvalue())),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "文件过大：上传内容超过 1 MB 上限" in page and "未保存任何内容" in page
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert body.read_bytes == 0
    assert rows_in_database() == before


def test_files_past_the_limit_within_the_envelope_are_stopped_as_they_arrive(client, province, settings):
    settings.VBP_UPLOAD_MAX_BYTES = 10 * 1024
    client.force_login(province)

    response = upload(client, b"a,b\n" * 5000)  # 20 KB: within the allowance for the envelope, past the limit

    assert response.status_code == 413
    assert "文件过大：上传内容超过 10 KB 上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_chunked_body_without_length_brings_no_file(province, settings):
    """A chunked body reaches Django with no Content-Length (under ASGI, read into a file): none of it is parsed."""
    settings.VBP_UPLOAD_MAX_BYTES = 10 * 1024
    scope = {
        "type": "http",
        "method": "POST",
        "path": reverse("platformdata:import_upload"),
        "query_string": b"",
        "headers": [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())],
    }
    request = ASGIRequest(scope, io.BytesIO(multipart(b"a,b\n" * 5000)))
    assert "CONTENT_LENGTH" not in request.META
    seen = []

    response = UploadLimitMiddleware(lambda request: seen.append(dict(request.FILES)) or "the view's page")(request)

    assert response == "the view's page"
    assert seen == [{}]


def test_the_handler_counts_every_file_of_a_request():
    handler = UploadLimitHandler(limit=100)
    handler.new_file("file", "a.csv", "text/csv", None)
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    handler.new_file("file2", "b.csv", "text/csv", None)

    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 60, 0)
    assert handler.stopped


def test_an_upload_within_the_limit_goes_through(client, province, settings):
    settings.VBP_UPLOAD_MAX_BYTES = 64 * 1024
    client.force_login(province)

    response = upload(client, "医疗机构编码,医疗机构名称\n".encode() + b"H001,x\n" * 1000)

    assert response.status_code == 302
    assert ImportJob.objects.get().file_name == "医疗机构.csv"


def test_pages_without_uploads_answer_as_before(client, province, settings):
    settings.VBP_UPLOAD_MAX_BYTES = 1024

    assert client.get(reverse("home")).status_code == 302  # to the login page, as ever
    client.force_login(province)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("platformdata:imports")).status_code == 200
    form = client.post(reverse("platformdata:import_upload"), {"kind": "hospitals"}, follow=True)
    assert "请选择要上传的文件" in form.content.decode()


def test_a_large_form_without_files_is_refused_too(client, province, settings):
    settings.VBP_UPLOAD_MAX_BYTES = 1024
    client.force_login(province)

    response = client.post(reverse("platformdata:import_upload"), {"kind": "x" * 100_000})

    assert response.status_code == 413
