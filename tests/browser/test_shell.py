"""The shell in the browser, as every demo role, at 1024, 1366 and 1920 px and on a 390 px phone.

Every entry of the side menu is visible, inside the viewport once scrolled into view and not covered (the element at
its centre is the link itself, and Playwright's trial click finds it actionable); on the phone after ☰ opened the menu.
Each entry opens its page, where it is marked (aria-current="page") and its group open. No page is wider than the
window (the home page at every width, each entry's page at 1024 and 390 px): a wide table scrolls inside its own box,
its last column reachable and its first column kept in view.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from vbp.accounts.models import User
from vbp.demo.province import DEMO_ACCOUNTS
from vbp.web.context import menu_for

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOPS = (1024, 1366, 1920)
PHONE = 390
HEIGHTS = {1024: 768, 1366: 768, 1920: 1080, PHONE: 844}
WALK = 1366  # the width at which every entry is opened

IN_VIEW_AND_ON_TOP = """
(element) => {
  const box = element.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const inside = box.width > 0 && box.height > 0 && box.left >= -1 && box.top >= -1  // a pixel's fraction aside
    && box.right <= window.innerWidth + 1 && box.bottom <= window.innerHeight + 1;
  const hit = document.elementFromPoint(x, y);
  const where = `box ${JSON.stringify(box)} in ${window.innerWidth}x${window.innerHeight}`;
  return inside && element.contains(hit) ? "" : `${where}, on top: ${hit && hit.outerHTML.slice(0, 80)}`;
}
"""
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"
# Every table that scrolls in its box, scrolled to its end: is its last header cell then inside the box, and its first
# one still at the box's left edge (kept in view)?
TABLE_ENDS_REACHABLE = """
() => Array.from(document.querySelectorAll(".table-scroll")).filter((box) => box.scrollWidth > box.clientWidth)
  .map((box) => {
    box.scrollLeft = box.scrollWidth;
    const frame = box.getBoundingClientRect();
    const cells = box.querySelectorAll("thead tr:first-child > *");
    const first = cells[0].getBoundingClientRect(), last = cells[cells.length - 1].getBoundingClientRect();
    const result = {
      last: last.right <= frame.right + 1 && last.left >= frame.left - 1,
      first: Math.abs(first.left - frame.left) <= 2,
    };
    box.scrollLeft = 0;
    return result;
  })
"""


def side_menu(page: Page) -> Locator:
    return page.locator("header.top nav")


def resize(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": HEIGHTS[width]})


def no_horizontal_overflow(page: Page, where: str) -> None:
    scroll_width, inner_width = page.evaluate(PAGE_WIDTH)
    assert scroll_width <= inner_width, f"{where}: the page is {scroll_width} px wide in a {inner_width} px window"
    for ends in page.evaluate(TABLE_ENDS_REACHABLE):
        assert ends == {"last": True, "first": True}, f"{where}: a table's last column or kept first column: {ends}"


def open_phone_menu(page: Page) -> None:
    toggle = page.get_by_role("button", name="菜单")
    expect(toggle).to_be_visible()
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(side_menu(page)).to_be_visible()


def reachable(page: Page, link: Locator, where: str) -> None:
    """Visible, inside the viewport after scrolling into view, not covered, and clickable."""
    link.scroll_into_view_if_needed()
    assert link.is_visible(), f"{where}: not visible"
    problem = link.evaluate(IN_VIEW_AND_ON_TOP)
    assert not problem, f"{where}: outside the viewport or covered: {problem}"
    link.click(trial=True)


def entry(page: Page, label: str, url: str) -> Locator:
    """The menu's link, its group opened first if it is closed (as a person would)."""
    link = side_menu(page).get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        group = side_menu(page).locator("details.group", has=page.locator(f'a[href="{url}"]'))
        group.locator("summary").click()
        expect(group).to_have_attribute("open", "")
    return link


def the_url(base: str, url: str) -> re.Pattern:
    return re.compile(re.escape(base + url) + r"([?#].*)?$")


@pytest.mark.parametrize("username", [account.username for account in DEMO_ACCOUNTS])
def test_every_menu_entry_is_reachable_and_marked_at_every_width(page: Page, login, live_server, username):
    call_command("load_demo", verbosity=0)
    menu = menu_for(User.objects.get(username=username), "/")
    links = menu.all_links
    assert links[0].label == "首页" and len(links) > 1

    assert login(page, username, "demo2024!")
    expect(side_menu(page).get_by_role("link")).to_have_text([link.label for link in links])
    expect(side_menu(page).locator("[aria-current=page]")).to_have_text(["首页"])
    bar_links = [page.get_by_role("link", name=name, exact=True) for name in ("个人信息", "修改密码")]
    bar_links.append(page.get_by_role("button", name="退出", exact=True))

    # every entry and the top bar's links, at every width, on the home page (where every group is open)
    for width in (*DESKTOPS, PHONE):
        resize(page, width)
        page.goto("/")
        if width == PHONE:
            expect(side_menu(page)).to_be_hidden()
            open_phone_menu(page)
        else:
            expect(page.get_by_role("button", name="菜单")).to_be_hidden()
        no_horizontal_overflow(page, f"首页 at {width} px")
        for link in links:
            reachable(page, side_menu(page).get_by_role("link", name=link.label, exact=True), f"{link.label}, {width}")
        for control in bar_links:
            reachable(page, control, f"the top bar at {width} px")
        if width == PHONE:  # ☰ closes it again
            page.get_by_role("button", name="菜单").click()
            expect(side_menu(page)).to_be_hidden()

    # every entry opens its page, marked there, its group open and the others closed; no page overflows
    resize(page, WALK)
    for link in links[1:]:
        if not side_menu(page).count():  # the Django admin has a layout of its own
            page.goto("/")
        entry(page, link.label, link.url).click()
        expect(page).to_have_url(the_url(live_server.url, link.url))
        if link.url.startswith("/admin/"):
            continue
        current = side_menu(page).locator("[aria-current=page]")
        expect(current).to_have_text([link.label])
        expect(current).to_have_attribute("href", link.url)
        opened = side_menu(page).locator("details.group[open]")
        if link in menu.links:  # 通知公告, above the groups: every group stays open
            expect(opened).to_have_count(len(menu.groups))
        else:
            expect(opened).to_have_count(1)
            expect(opened.get_by_role("link", name=link.label, exact=True)).to_be_visible()
        for width in (1024, PHONE):
            resize(page, width)
            no_horizontal_overflow(page, f"{link.label} at {width} px")
        resize(page, WALK)

    # on the phone, the entry of the page is marked in the menu ☰ opens
    last = next(link for link in reversed(links) if not link.url.startswith("/admin/"))
    page.goto(last.url)
    resize(page, PHONE)
    open_phone_menu(page)
    current = side_menu(page).locator("[aria-current=page]")
    expect(current).to_have_text([last.label])
    reachable(page, current, f"{last.label} marked on the phone")


def table_scrolls_in_its_box(page: Page, width: int) -> None:
    box = page.locator(".table-scroll").first
    head = box.locator("table.grid.sticky thead th")
    first, last = head.first, head.last
    expect(last).to_have_text("省直属")
    scroll_width, client_width = box.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    if width == PHONE:
        assert scroll_width > client_width, "on a phone the table is wider than its box, and scrolls"
    page_width, inner_width = page.evaluate(PAGE_WIDTH)
    assert page_width <= inner_width, f"the page overflows at {width} px: {page_width} > {inner_width}"
    if scroll_width <= client_width:
        return
    frame = box.bounding_box()
    assert last.bounding_box()["x"] >= frame["x"] + frame["width"], "the last column starts out of view"
    box.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
    expect(last).to_be_in_viewport()
    cell, code = last.bounding_box(), first.bounding_box()
    assert cell["x"] + cell["width"] <= frame["x"] + frame["width"] + 1, "the last column is reachable"
    assert abs(code["x"] - frame["x"]) <= 2, "the first column stays at the box's left edge"
    assert first.evaluate("(el) => getComputedStyle(el).position") == "sticky"
    box.evaluate("(el) => { el.scrollLeft = 0; }")


def test_the_hospital_table_scrolls_inside_its_box_with_its_first_column_in_view(page: Page, login):
    call_command("load_demo", verbosity=0)
    assert login(page, "demo_province", "demo2024!")

    for width in (PHONE, 1024):
        resize(page, width)
        page.goto("/hospitals/")
        table_scrolls_in_its_box(page, width)

    # the query form puts a new table in place (htmx): it scrolls the same, with no inline style on the way
    page.get_by_label("医疗机构名称").fill("人民医院")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"name=%E4%BA%BA%E6%B0%91"))
    expect(page.locator(".list-tools .count")).not_to_have_text("共 120 条")
    table_scrolls_in_its_box(page, 1024)
    resize(page, PHONE)
    table_scrolls_in_its_box(page, PHONE)
