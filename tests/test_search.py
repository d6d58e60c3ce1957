"""Searches by name and title fold the case of Kazakh and Russian letters on SQLite (the README's default) as on
PostgreSQL, and take `%` and `_` of a search term literally."""

import sqlite3
import types

import pytest
from django.urls import reverse
from django.utils.translation import override as translation_override

from festival import sqlite_like
from submissions import services
from tests import factories

pytestmark = pytest.mark.django_db


def submitted_entry(title):
    entry = factories.entry(title=title)
    factories.checked_film(entry)
    services.entry_submit(entry=entry, user=entry.created_by)
    return entry


def coordinator_finds(client, query):
    response = client.get(reverse("submissions:region_entries", args=["astana"]), {"q": query})
    assert response.status_code == 200
    return sorted(entry.title for entry in response.context["page"])


def participants_found(client, query):
    response = client.get(reverse("region_workspace", args=["astana"]), {"q": query})
    assert response.status_code == 200
    return [participant.full_name for participant in response.context["page"]]


def test_coordinator_search_folds_kazakh_and_russian_letters(client, edition):
    submitted_entry("Менің ауылым")  # by Қасымов Арман, as the factories name every participant
    submitted_entry("Наш Двор")
    client.force_login(factories.coordinator("astana"))
    assert coordinator_finds(client, "менің") == ["Менің ауылым"]
    assert coordinator_finds(client, "АУЫЛ") == ["Менің ауылым"]
    assert coordinator_finds(client, "двор") == ["Наш Двор"]
    assert coordinator_finds(client, "қасымов") == ["Менің ауылым", "Наш Двор"]  # the authors' last name


def test_coordinator_list_offers_the_search_and_keeps_its_words(client, edition):
    submitted_entry("Менің ауылым")
    client.force_login(factories.coordinator("astana"))
    page = client.get(reverse("submissions:region_entries", args=["astana"]), {"q": "ауыл"})
    html = page.content.decode()
    assert 'name="q"' in html and 'value="ауыл"' in html
    with translation_override("ru"):
        page = client.get(reverse("submissions:region_entries", args=["astana"]))
    assert "Название или автор" in page.content.decode()


def test_participants_search_folds_kazakh_and_russian_letters(client, edition):
    for last_name, first_name in (("Өмірбекова", "Әйгерім"), ("Сергеев", "Иван")):
        participant = factories.participant(supervisor=factories.SupervisorFactory())
        participant.last_name, participant.first_name = last_name, first_name
        participant.save(update_fields=["last_name", "first_name"])
    client.force_login(factories.coordinator("astana"))
    assert participants_found(client, "өмірбек") == ["Өмірбекова Әйгерім"]
    assert participants_found(client, "ӘЙГЕРІМ") == ["Өмірбекова Әйгерім"]
    assert participants_found(client, "иван") == ["Сергеев Иван"]


def test_percent_and_underscore_of_a_search_are_taken_literally(client, edition):
    for title in ("Менің ауылым", "100% Қазақстан", "Жоба_2025"):
        submitted_entry(title)
    client.force_login(factories.coordinator("astana"))
    assert coordinator_finds(client, "%") == ["100% Қазақстан"]
    assert coordinator_finds(client, "0% қаз") == ["100% Қазақстан"]
    assert coordinator_finds(client, "%қазақ") == []
    assert coordinator_finds(client, "_") == ["Жоба_2025"]
    assert coordinator_finds(client, "ж_ба") == []
    assert participants_found(client, "%") == []
    assert participants_found(client, "Қ_сымов") == []


# ---------------------------------------------------------------- the function SQLite calls for LIKE


@pytest.fixture
def unicode_like():
    database = sqlite3.connect(":memory:")
    sqlite_like.install(sender=None, connection=types.SimpleNamespace(vendor="sqlite", connection=database))
    yield database
    database.close()


def like(database, value, pattern, escape=None):
    if escape is None:
        return database.execute("SELECT ? LIKE ?", (value, pattern)).fetchone()[0]
    return database.execute("SELECT ? LIKE ? ESCAPE ?", (value, pattern, escape)).fetchone()[0]


def test_sqlite_like_folds_every_letter_and_keeps_the_wildcards(unicode_like):
    assert like(unicode_like, "Астана", "астана") == 1
    assert like(unicode_like, "ҚАСЫМОВ Әйгерім", "қасымов%ӘЙГЕРІМ") == 1
    assert like(unicode_like, "Өмір", "ө_ір") == 1
    assert like(unicode_like, "Өмір", "ө_р") == 0
    assert like(unicode_like, "Астана", "%стан%", "\\") == 1
    assert like(unicode_like, "Жоба_2025", "%\\_2025", "\\") == 1
    assert like(unicode_like, "Жоба-2025", "%\\_2025", "\\") == 0
    assert like(unicode_like, "100%", "100\\%", "\\") == 1
    assert like(unicode_like, "1000", "100\\%", "\\") == 0
    assert like(unicode_like, "a\\b", "a\\\\b", "\\") == 1
    assert like(unicode_like, "a", "a\\", "\\") == 0  # an escape with nothing after it matches nothing
    assert like(unicode_like, None, "a") is None
    assert unicode_like.execute("SELECT 'a' LIKE 'a' ESCAPE NULL, 12 LIKE '1%'").fetchone() == (None, 1)
    with pytest.raises(sqlite3.OperationalError):
        like(unicode_like, "a", "a", "ab")


def test_sqlite_like_agrees_with_the_built_in_one_on_ascii(unicode_like):
    built_in = sqlite3.connect(":memory:")
    values = ["", "a", "A", "ab", "aB_", "a%b", "x\\y", "a\nb", "Ab_c%", "_%"]
    patterns = ["", "a", "A%", "%b", "_", "a_", "%\\%%", "\\_%", "a\\", "x\\\\y", "%B\\_", "a%b", "_\n_"]
    for value in values:
        for pattern in patterns:
            for escape in (None, "\\", "b"):
                assert like(unicode_like, value, pattern, escape) == like(built_in, value, pattern, escape), (
                    value,
                    pattern,
                    escape,
                )
    built_in.close()


def test_other_databases_are_left_alone():
    sqlite_like.install(sender=None, connection=types.SimpleNamespace(vendor="postgresql", connection=None))
