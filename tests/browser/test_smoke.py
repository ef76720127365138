"""Smoke test: a real browser opens the system and its Chinese text renders as glyphs, not boxes."""

from pathlib import Path

from playwright.sync_api import Page

# Draws two different characters in the page's own font on a canvas: a missing CJK font gives the same
# .notdef box for both, so the pixels would be equal.
GLYPHS_DIFFER = """
() => {
  const family = getComputedStyle(document.body).fontFamily;
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 64;
    const context = canvas.getContext("2d");
    context.font = `48px ${family}`;
    context.fillText(text, 4, 52);
    return Array.from(context.getImageData(0, 0, 64, 64).data).join(",");
  };
  const first = draw("集"), second = draw("采"), blank = draw(" ");
  return first !== second && first !== blank && second !== blank;
}
"""


def test_home_page_renders_chinese(page: Page, artifacts_dir: Path):
    response = page.goto("/")  # the home page, or the login page it redirects to
    assert response is not None and response.ok, response and response.status
    text = page.title() + "\n" + page.locator("body").inner_text()
    assert "集采" in text, text
    assert page.evaluate(GLYPHS_DIFFER), "Chinese renders as boxes: is fonts-noto-cjk installed?"
    page.screenshot(path=artifacts_dir / "smoke-home.png", full_page=True)


def test_login_signs_in_and_refuses_a_wrong_password(page: Page, login, django_user_model):
    django_user_model.objects.create_user("clerk", password="Right-password-1", must_change_password=False)
    assert not login(page, "clerk", "wrong-password")
    assert login(page, "clerk", "Right-password-1"), page.url
    assert "集采" in page.title() + page.locator("body").inner_text()
