"""In headless Chromium: the signed-in demo student's menu fits in Kazakh, the longest of the three languages — in one
row on a 1366 px laptop (no item wrapping, nothing past the window's edge), and on a 390 px phone with the menu
button on the brand's row; the account's pages are in the menu's dropdown."""

import re

import pytest

from festival.models import User
from organizing.demo import demo_load
from tests.browser import shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_ROW = 60  # px: the navbar's height with its items in one row (56 px)
LINE = 45  # px: an item whose text runs on one line


def boxes(page, selector):
    return [box for box in (item.bounding_box() for item in page.locator(selector).all()) if box]


def test_student_menu_fits_in_kazakh_on_a_laptop_and_a_phone(browser, live_server):
    demo_load()
    student = User.objects.get(email="student@demo.kz")

    page = signed_in_page(browser, live_server, student, viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/kk/me/")
    shot(page, "menu-kk-1366")
    assert page.locator("nav.navbar").bounding_box()["height"] <= ONE_ROW
    items = boxes(page, "nav .navbar-brand, #mainnav .nav-link, #mainnav [data-testid^=lang-]")
    assert len(items) == 10  # the brand, four public links, my films, the account, three languages
    middles = [box["y"] + box["height"] / 2 for box in items]
    assert max(middles) - min(middles) <= 4, "one row"
    assert all(box["height"] <= LINE for box in items), "no item wraps"
    assert page.evaluate("document.documentElement.scrollWidth") == 1366
    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("my-page").click()
    page.wait_for_url(re.compile(r"/kk/me/$"))
    page.context.close()

    page = signed_in_page(browser, live_server, student, viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/kk/me/")
    shot(page, "menu-kk-390")
    assert page.locator("nav.navbar").bounding_box()["height"] <= ONE_ROW
    brand, toggler = page.locator(".navbar-brand").bounding_box(), page.locator(".navbar-toggler").bounding_box()
    assert toggler["y"] < brand["y"] + brand["height"], "the menu button is on the brand's row"
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.locator(".navbar-toggler").click()
    page.locator("#mainnav.show").wait_for()
    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("log-out").wait_for()
    shot(page, "menu-kk-390-open")
    page.get_by_test_id("log-out").click()
    page.wait_for_load_state()
    assert not page.get_by_test_id("account-menu").count()
