"""Hooks for the whole suite.

- Each phase's report (setup, call, teardown) is kept on the test item as ``item.rep_<phase>``, so a fixture's
  teardown can tell whether its test failed (the browser tests save a screenshot then).
- Browser tests run last: Playwright's sync API leaves an asyncio event loop running on the main thread from the
  first browser test until the session ends, and code that checks for a running loop (Django's async-unsafe guard,
  asgiref's async_to_sync) would otherwise behave differently in every test that happens to run after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(trylast=True)  # after pytest-django's own reordering by database use
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.is_relative_to(BROWSER_TESTS))  # stable: keeps the order otherwise


def captcha_answer() -> dict[str, str]:
    """A real captcha challenge and its answer, as the person reading the picture would type it."""
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


@pytest.fixture
def sign_in():
    """``sign_in(client, username, password)``: post the real login form (captcha answered); the response."""

    def post(client, username: str, password: str, **extra):
        ip = extra.pop("ip", "127.0.0.1")
        data = {"username": username, "password": password, **captcha_answer(), **extra}
        return client.post("/login/", data, REMOTE_ADDR=ip)

    return post


@pytest.fixture
def make_user(django_user_model):
    """A user who has already chosen their password (no forced change), unless told otherwise."""

    def create(username: str, password: str | None = None, **fields):
        fields.setdefault("must_change_password", False)
        return django_user_model.objects.create_user(username, password=password, **fields)

    return create


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo province, loaded once per test module inside a transaction that is rolled back afterwards.

    Each test runs in a savepoint inside that transaction (pytest-django's usual test case), so tests may add
    rows without affecting the next one, and nothing is left in the database after the module.
    """
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path_factory) -> Path:
    """Uploaded attachments go to a fresh temporary directory, never into the project's var/attachments."""
    settings.VBP_ATTACHMENT_ROOT = tmp_path_factory.mktemp("attachments")
    settings.VBP_DATA_ROOT = tmp_path_factory.mktemp("data")  # order lines too
    return settings.VBP_ATTACHMENT_ROOT
