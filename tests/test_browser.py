"""A new student, in headless Chromium: registers, confirms the e-mail, records consent, switches the language."""

import re

import pytest
from django.core import mail
from django.utils import translation

from festival.models import Participant
from tests import factories
from tests.browser import ru, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU").new_page()  # a phone


def test_student_registers_confirms_consents_and_switches_language(page, live_server):
    factories.open_edition()
    school = factories.SchoolFactory(region=factories.region("astana"), name="Школа-лицей №8")

    page.goto(f"{live_server.url}/ru/")
    page.get_by_role("link", name=ru("Take part")).click()
    page.get_by_test_id("register-student").click()
    page.fill("#id_last_name", "Серікова")
    page.fill("#id_first_name", "Аружан")
    page.fill("#id_birth_date", "2013-04-01")
    page.fill("#id_email", "aruzhan@example.kz")
    page.fill("#id_password1", "Kino-2026-festival")
    page.fill("#id_password2", "Kino-2026-festival")
    shot(page, "01-register")
    page.get_by_role("button", name=ru("Register"), exact=True).click()
    page.get_by_test_id("check-email").wait_for()

    link = re.search(r"https?://\S+/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.wait_for_url(re.compile(r"/ru/me/consent/$"))
    page.select_option("#id_region", label="город Астана")
    # htmx fills the school list of the chosen region
    page.wait_for_selector(f"#id_school option[value='{school.pk}']", state="attached")
    page.select_option("#id_school", value=str(school.pk))
    page.fill("#id_grade", "7")
    page.fill("#id_given_by_name", "Серікова Гүлнар")
    page.select_option("#id_relation", value="mother")
    page.fill("#id_given_by_phone", "+7 701 123 45 67")
    for key in ("operator", "data_kept", "purpose", "term", "third_parties"):
        page.check(f"#id_agree_{key}")
    shot(page, "02-consent")
    page.get_by_role("button", name=ru("Record the consent")).click()
    page.get_by_test_id("personal-page").wait_for()

    participant = Participant.objects.get(user__email="aruzhan@example.kz")
    assert participant.school == school and participant.consents.count() == 1

    page.get_by_role("button", name=ru("Menu")).click()
    # The menu slides open on a phone: wait until it is open before pressing a button inside it.
    page.locator("#mainnav.show").wait_for()
    with page.expect_navigation(url=re.compile(r"/kk/me/$"), timeout=60000):
        page.get_by_test_id("lang-kk").click()
    assert page.locator("html").get_attribute("lang") == "kk"
    with translation.override("kk"):
        heading = translation.gettext("My page")
    assert heading != "My page"
    assert page.get_by_test_id("personal-page").inner_text() == heading
    assert "Школа-лицей №8" in page.content()
    shot(page, "03-personal-page-kk")
