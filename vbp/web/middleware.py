"""The system's own middleware: its static files (WhiteNoise) and a Content-Security-Policy with no outside sources."""

import os

from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise: scripts, styles and pictures served by the system itself, with DEBUG off as on (no web server needed
    in front, nothing from the internet).

    What `collectstatic` gathered in STATIC_ROOT (with its compressed variants) is served once it is there, as
    `make run` and a deployment do. Before (the test suite, a fresh checkout) each app's own files are served where
    they are, without WhiteNoise's warning about the missing directory on every request handler the tests build.
    """

    def __init__(self, get_response=None, settings=django_settings):
        super().__init__(get_response, settings=settings)
        collected = bool(self.static_root) and os.path.isdir(self.static_root)
        if not collected and not self.use_finders and not self.autorefresh:
            self.use_finders = True
            self.add_files_from_finders()

    def add_files(self, root, prefix=None):
        if self.autorefresh or os.path.isdir(root):
            super().add_files(root, prefix)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
