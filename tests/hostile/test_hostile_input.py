"""Every form and every filter, sent hostile values as every role that reaches it: no answer may be a 500.

The test crawls: for each page of tests/test_every_url.py (its PAGES: every URL with who may reach it)
and each role allowed there, it opens the page, finds every <form> on it, and sends it odd values —
superscript digits, 30- and 5,000-digit numbers, a NUL, 10,000 characters, zero-width-only text, 1e30…
A filter form (GET) gets them in all its fields at once; a form that posts gets them one field at a time,
its other fields as the page filled them, so each field's own check is reached. Every page also gets the
usual query parameters (year, page, size, batch, city, district, name, status, kind) with each value, once
as a page and once as an export.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import test_every_url as walk
from django.urls import reverse
from test_every_url import an_import_job  # noqa: F401 - a fixture: the import pages need a job to show

from vbp.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

HOSTILE = [
    "²",
    "9" * 30,
    "9" * 5000,
    "\x00",
    "长" * 10000,
    "\u200b\u200b\u200b",
    "1e30",
    "-1",
    "NaN",
    "<script>alert(1)</script>",
    "../../etc/passwd",
]
FIELD_VALUES = ["²", "9" * 30, "\x00x", "长" * 10000, "\u200b\u200b", "1e30"]  # per field of a posting form
QUERY_PARAMETERS = ["year", "page", "size", "batch", "city", "district", "name", "status", "kind"]
NEVER_POSTED = ("/logout/",)  # signing out would make every later request anonymous


class Forms(HTMLParser):
    """The forms of a page: method, action and fields with the values the page filled in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": attrs.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("file", "submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                self.forms[-1]["fields"].setdefault(attrs["name"], "")
            else:
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = ""
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self.forms[-1]["fields"][self._select] = ""
        elif tag == "option" and self._select and ("selected" in attrs or not self.forms[-1]["fields"][self._select]):
            self.forms[-1]["fields"][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def cases() -> list[tuple[str, str]]:
    found = []
    for name, page in walk.PAGES.items():
        if page.method != "get":
            continue  # posting endpoints are reached through the forms of the pages that show them
        found += [(name, username) for username in page.allowed]
    return found


@pytest.mark.parametrize(("name", "username"), cases())
@pytest.mark.usefixtures("an_import_job")
def test_no_hostile_value_in_any_form_or_filter_gives_a_500(client, name, username):
    page = walk.PAGES[name]
    kwargs = page.kwargs() if callable(page.kwargs) else page.kwargs
    url = reverse(name, kwargs=kwargs)
    client.force_login(User.objects.get(username=username))
    client.raise_request_exception = False  # a view that breaks answers 500, as a server would, and is reported
    failures = []

    def send(method: str, target: str, data: dict) -> None:
        response = getattr(client, method)(target, data)
        if response.status_code >= 500:
            shown = {key: (value[:20] + "…" if len(value) > 20 else value) for key, value in data.items()}
            failures.append(f"{method.upper()} {target} {shown} → {response.status_code}")
        if "_auth_user_id" not in client.session:  # a form that ended the session: sign in again and go on
            client.force_login(User.objects.get(username=username))

    for value in HOSTILE:
        query = {parameter: value for parameter in QUERY_PARAMETERS}
        send("get", url, query)  # the page itself
        send("get", url, {**query, "export": "xlsx"})  # and its export, which answers before paging
    response = client.get(url)
    assert response.status_code < 500, response.status_code
    html = response.content.decode(errors="replace") if "html" in response.get("Content-Type", "") else ""
    for form in forms_of(html):
        target = urljoin(url, form["action"]) if form["action"] else url
        if target.split("?")[0].endswith(NEVER_POSTED):
            continue
        fields = form["fields"]
        if form["method"] == "get":
            for value in HOSTILE:
                send("get", target, {field: value for field in fields})
            continue
        for field in fields:
            if field == "csrfmiddlewaretoken":
                continue
            for value in FIELD_VALUES:
                send("post", target, {**fields, field: value})
    assert not failures, "\n".join(failures[:20])
