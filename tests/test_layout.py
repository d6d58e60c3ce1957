"""The site's menu (templates/festival/partials/site_menu.html): each kind of visitor sees their own menu,
with their own CSRF token in its forms, and language links to the same page in each language."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _menu(html):
    return html[html.index("<nav") : html.index("</nav>")]


def test_each_kind_of_visitor_sees_their_own_menu(client, edition):
    path = reverse("judging:public")
    anonymous = _menu(client.get(path).content.decode())
    assert reverse("login") in anonymous and reverse("logout") not in anonymous
    client.force_login(factories.student_with_consent())
    student = _menu(client.get(path).content.decode())
    assert reverse("logout") in student and reverse("submissions:mine") in student
    client.force_login(factories.coordinator("astana"))
    coordinator = _menu(client.get(path).content.decode())
    assert reverse("logout") in coordinator and reverse("submissions:mine") not in coordinator


def test_the_menus_forms_carry_the_visitors_own_token(edition):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(factories.student_with_consent())
    second.force_login(factories.student_with_consent())
    path = reverse("judging:public")
    first_tokens = set(TOKEN.findall(_menu(first.get(path).content.decode())))
    page = second.get(path).content.decode()
    tokens = TOKEN.findall(_menu(page))
    assert len(tokens) == 4  # the log-out form and the three languages'
    assert not first_tokens & set(tokens)
    # The menu's log-out form works for the second visitor: their token, not the first one's.
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": tokens[0]}).status_code == 302
    assert second.get(reverse("account:home")).status_code == 302  # signed out: to the login page


def test_the_language_links_follow_the_address_and_the_language(client, edition):
    client.force_login(factories.coordinator("astana"))
    path = reverse("submissions:region_entries", args=["astana"])
    for query in ("?state=submitted", "?state=accepted"):
        menu = _menu(client.get(path + query).content.decode())
        assert f'value="/ru/region/astana/entries/{query}"' in menu.replace("&amp;", "&")
    with_russian = _menu(client.get("/ru/region/astana/entries/").content.decode())
    assert 'lang="ru"' in with_russian and "btn-light" in with_russian
    assert "Выйти" in with_russian
