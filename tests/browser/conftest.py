"""Browser tests: Playwright (plain ``playwright.sync_api``) drives Debian's /usr/bin/chromium against
pytest-django's live server.

Fixtures:
- ``browser``: one headless Chromium for the session. Without /usr/bin/chromium the browser tests are skipped,
  unless VBP_REQUIRE_BROWSER is set (CI sets it), in which case they fail.
- ``page``: a fresh context per test (zh-CN, Asia/Shanghai) whose base URL is ``live_server.url``, so
  ``page.goto("/")`` opens the home page. When the test fails, a full-page screenshot is saved to
  ``test-artifacts/screenshots/<test name>.png``.
- ``login``: ``login(page, username, password)`` submits the login form at /login/, answering its captcha.
- ``artifacts_dir``: ``test-artifacts/`` at the project root.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = Path("/usr/bin/chromium")
# The machines have no network but the package registries: without these flags Chromium keeps trying (and failing)
# to reach Google's services in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def browser_required() -> bool:
    return os.environ.get("VBP_REQUIRE_BROWSER", "") not in ("", "0")


@pytest.fixture(scope="session")
def artifacts_dir(pytestconfig: pytest.Config) -> Path:
    path = pytestconfig.rootpath / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


# Expectations wait as long as actions do: on a loaded machine (two test processes, a PDF in a frame) a page can take
# more than Playwright's default 5 s to come back after a submit.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if browser_required():
            pytest.fail(f"VBP_REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; set VBP_REQUIRE_BROWSER=1 to fail instead)")
    # Playwright's sync API runs an asyncio event loop on this thread while it is started, so Django's async-unsafe
    # guard would refuse the ORM calls that tests and live_server's database flush make from this thread. Allowed
    # only while the browser is up (browser tests run last, see tests/conftest.py).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _failed(item: pytest.Item) -> bool:
    return any(getattr(getattr(item, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture
def page(browser: Browser, live_server, request: pytest.FixtureRequest, artifacts_dir: Path) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    refused = []  # what the Content-Security-Policy blocked: an inline script or style, an outside source
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    try:
        yield page
        assert not refused, f"the page broke its Content-Security-Policy: {refused}"
    finally:
        if _failed(request.node):
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            path = artifacts_dir / "screenshots" / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=path, full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                warnings.warn(f"no screenshot of {request.node.nodeid}: {error}", stacklevel=1)
        context.close()


@pytest.fixture
def login() -> Callable[[Page, str, str], bool]:
    """``login(page, username, password)``: submit Django's login form at /login/ and wait for the page it leads to.

    Returns True when the browser left /login/ (signed in), False when the form came back (refused).
    """

    def submit(page: Page, username: str, password: str) -> bool:
        from captcha.models import CaptchaStore

        page.goto("/login/")
        page.locator("input[name='username']").fill(username)
        page.locator("input[name='password']").fill(password)
        # read the picture's answer as a person would; the captcha is the real one, not a test mode
        key = page.locator("input[name='captcha_0']").input_value()
        page.locator("input[name='captcha_1']").fill(CaptchaStore.objects.get(hashkey=key).response)
        with page.expect_navigation():
            page.get_by_role("button", name="登录", exact=True).click()
        return urlsplit(page.url).path != "/login/"

    return submit


def nav(page: Page):
    return page.locator("header.top nav")


def menu(page: Page, label: str) -> None:
    """The side menu's entry ``label``, its group opened first if it is folded (as a person would)."""
    link = nav(page).get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        hidden = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        nav(page).locator("details.group").filter(has=hidden).locator("summary").click()
    link.click()
    expect(page.locator("h1")).to_be_visible()


def answered(page: Page, asked: list, seconds: float = 10) -> list:
    """``asked`` once the page's question has reached the test: Playwright hands a dialog to its handler only
    while the test waits on the browser, and a click returns before that, so wait (briefly) for it."""
    for _ in range(int(seconds * 20)):
        if asked:
            break
        page.wait_for_timeout(50)
    return asked


def click_and_answer(page: Page, button, seconds: float = 10) -> list[str]:
    """Click ``button`` and accept the question it asks (site.js, data-confirm); the questions asked.

    On a loaded machine a PDF starting up in a frame on the page can swallow a click, and Chromium can close a
    question before the answer reaches it (the page then takes it as 取消); a person would click again, and so does
    this, once, if neither an answered question nor a new page came of the first.
    """
    asked: list[str] = []

    def accept(dialog) -> None:
        try:
            dialog.accept()
        except PlaywrightError:  # "No dialog is showing": it closed unanswered, so nothing was sent
            return
        asked.append(dialog.message)

    page.on("dialog", accept)
    try:
        page.wait_for_load_state("load")  # site.js, deferred, is what asks
        shown = page.url
        button.click()
        if not answered(page, asked, seconds) and page.url == shown:
            button.click()
            answered(page, asked, seconds)
    finally:
        page.remove_listener("dialog", accept)
    page.wait_for_load_state()
    return asked
