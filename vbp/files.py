"""Uploaded proof (附件), whichever app keeps it: a PDF or an image, judged by content, stored outside the web root.

A file is judged by its first bytes, never by its name or the type the browser sent. It
is written under ``settings.VBP_ATTACHMENT_ROOT`` with a random name (never the user's),
no larger than ``settings.VBP_ATTACHMENT_MAX_BYTES``, and its SHA-256 is kept. Each app
keeps its own rows and decides who may read them; ``file_response`` serves a file only
after the app's scoped view has found its row.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.http import FileResponse, Http404

from vbp.pdf_check import active_content

# Magic bytes → the content type the file is stored and served with.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
ACCEPTED = "PDF 或图片（PNG、JPEG）"
ACCEPT_ATTRIBUTE = "application/pdf,image/png,image/jpeg"  # the file inputs' accept=, a hint only
# A served file may be framed by our own pages (the preview) and loads nothing itself. An image is also
# sandboxed; a PDF cannot be (the browser's viewer refuses a sandboxed frame), so only PDFs that cannot act
# (vbp.pdf_check) are ever shown inline.
SERVED_POLICY = "default-src 'none'; frame-ancestors 'self'"
IMAGE_POLICY = SERVED_POLICY + "; sandbox"
PDF = "application/pdf"


class StoredFileFields(models.Model):
    """What a row of a kept file records, the same in every app (the row's own model adds what it belongs to)."""

    file_name = models.CharField("文件名", max_length=255)  # as the user named it, for display only
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    stored_as = models.CharField(max_length=100, unique=True)  # a name under VBP_ATTACHMENT_ROOT, never the user's
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT)

    class Meta:
        abstract = True


class FileRefused(ValueError):
    """The upload is not one we keep; the message says why, in the user's words."""


@dataclass(frozen=True)
class StoredFile:
    """A file written under the attachment root: what its row records."""

    file_name: str
    content_type: str
    size: int
    sha256: str
    stored_as: str

    def fields(self) -> dict:
        return asdict(self)


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file prove, or None if they prove none we accept."""
    return next((content_type for magic, content_type in SIGNATURES if head.startswith(magic)), None)


@contextmanager
def keeping(refused: type[Exception] = FileRefused) -> Iterator[Callable[..., StoredFile]]:
    """``with keeping() as keep: keep(upload, max_name=…)`` writes uploads; if the block fails, they go again.

    Put it outside the transaction that records the rows, so a failed commit removes
    the files too. A refused upload raises ``refused`` with the reason.
    """
    written: list[str] = []

    def keep(uploaded_file, *, max_name: int) -> StoredFile:
        try:
            stored = store(uploaded_file, max_name=max_name)
        except FileRefused as error:
            raise refused(str(error)) from error
        written.append(stored.stored_as)
        return stored

    try:
        yield keep
    except BaseException:
        for stored_as in written:
            discard(stored_as)
        raise


def store(uploaded_file, *, max_name: int) -> StoredFile:
    """Check ``uploaded_file`` by its content and size, and write it under a fresh random name."""
    content_type = checked_content_type(uploaded_file)
    stored_as = secrets.token_hex(16)
    size, sha256 = _write(uploaded_file, path(stored_as))
    return StoredFile(display_name(uploaded_file.name, max_name), content_type, size, sha256, stored_as)


def checked_content_type(uploaded_file) -> str:
    if uploaded_file.size == 0:
        raise FileRefused("文件为空，请重新选择")
    if uploaded_file.size > settings.VBP_ATTACHMENT_MAX_BYTES:
        raise FileRefused(too_large())
    uploaded_file.seek(0)
    content_type = sniff(uploaded_file.read(8))
    uploaded_file.seek(0)
    if content_type is None:
        raise FileRefused(f"只能上传{ACCEPTED}文件；该文件的内容不是{ACCEPTED}")
    if content_type == PDF:
        problem = active_content(uploaded_file.read())
        uploaded_file.seek(0)
        if problem:
            raise FileRefused(f"{problem}，不能上传；请将其另存（或打印）为普通 PDF 后再上传")
    return content_type


def discard(stored_as: str) -> None:
    path(stored_as).unlink(missing_ok=True)


def path(stored_as: str) -> Path:
    return Path(settings.VBP_ATTACHMENT_ROOT) / stored_as


def display_name(name: str | None, max_length: int) -> str:
    """The name the user gave the file, for display only (never used as a path)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "附件"
    if len(name) <= max_length:
        return name
    suffix = Path(name).suffix[:10]
    return name[: max_length - len(suffix)] + suffix


def too_large() -> str:
    limit = settings.VBP_ATTACHMENT_MAX_BYTES
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"文件过大：附件不能超过 {size}"


def file_response(stored_as: str, content_type: str, file_name: str) -> FileResponse:
    """The file itself, inline for the preview, as the type its content proved; never sniffed by the browser.

    A PDF able to act (stored before such PDFs were refused) is served only as a download.
    Call it only with a row the user's scope has already found; a missing file is 404.
    """
    return served_file(path(stored_as), content_type, file_name)


def served_file(stored: Path, content_type: str, file_name: str) -> FileResponse:
    if not stored.is_file():
        raise Http404
    inline = content_type != PDF or active_content(stored.read_bytes()) is None
    response = FileResponse(stored.open("rb"), content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SERVED_POLICY if content_type == PDF else IMAGE_POLICY
    return response


def _write(uploaded_file, target_path: Path) -> tuple[int, str]:
    """Copy the upload to ``target_path`` (never overwriting), returning its size and SHA-256."""
    target_path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with target_path.open("xb") as target:
            for chunk in uploaded_file.chunks():
                size += len(chunk)
                if size > settings.VBP_ATTACHMENT_MAX_BYTES:
                    raise FileRefused(too_large())
                digest.update(chunk)
                target.write(chunk)
    except BaseException:
        target_path.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()
