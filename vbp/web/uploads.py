"""Upload size limit: a request carrying more than VBP_UPLOAD_MAX_BYTES is answered 413, and nothing is stored.

``UploadLimitMiddleware`` stands right after SecurityMiddleware (config/settings.py):

- A request whose Content-Length passes the limit (plus a small allowance for the multipart envelope: the
  boundaries, the part headers, the CSRF token) is refused at once, before a byte of its body is read.
- A multipart request within that length is parsed here, before any other middleware or view, with
  ``UploadLimitHandler`` first among its upload handlers (Django's own follow it). That handler counts the bytes
  of the files as they arrive and stops the upload once they pass the limit (a body may declare a length within
  the allowance and still carry files past the limit); the request is then refused the same way, no view sees it.
- A body without Content-Length (chunked) is not read at all: Django parses a multipart body only as far as its
  Content-Length, so such a request reaches the view with no file, and the form says one is missing.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE still bounds the form fields apart from the files (and a whole
non-multipart body): a larger one is a 400 as before; files go to memory or a temporary file as before.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from vbp.calc.guard import format_bytes
from vbp.web.middleware import POLICY

ENVELOPE_BYTES = 64 * 1024  # what a multipart body holds besides its files: boundaries, part headers, fields


def too_large(limit: int) -> HttpResponse:
    """The 413 page: a plain page of its own, as the request is answered before sessions or users are known."""
    response = HttpResponse(render_to_string("413.html", {"limit": format_bytes(limit)}), status=413)
    response["Content-Security-Policy"] = POLICY  # the inner middleware that would add these never runs
    response["X-Frame-Options"] = "DENY"
    return response


class UploadLimitHandler(FileUploadHandler):
    """Counts the bytes of all files of one request; past ``limit``, stops the upload and marks itself stopped."""

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None):
        super().__init__(request)
        self.limit = settings.VBP_UPLOAD_MAX_BYTES if limit is None else limit
        self.received = 0
        self.stopped = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.stopped = True
            raise StopUpload(connection_reset=True)  # read no further: the file being received is dropped
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # Django's handlers, after this one, make the file


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.VBP_UPLOAD_MAX_BYTES
        if _content_length(request) > limit + ENVELOPE_BYTES:
            return too_large(limit)
        if request.content_type == "multipart/form-data":
            handler = UploadLimitHandler(request, limit)
            request.upload_handlers.insert(0, handler)
            request.POST  # noqa: B018 — parse now (CSRF checking would next): a stopped upload reaches no view
            if handler.stopped:
                return too_large(limit)
        return self.get_response(request)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
