"""Versions read once per request (festival/cached.py): a page that asks for the current edition several times
asks the cache once, a change made by the request itself is seen at once, and a change made elsewhere is seen
by the next request."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction

from festival import cached, edition_cache, user_cache
from festival.models import Edition
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cache_reads(monkeypatch):
    """Every get_many sent to the cache, by its keys."""
    calls = []
    original = cache.get_many

    def counted(keys, *args, **kwargs):
        calls.append(list(keys))
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(cached.cache, "get_many", counted)
    return calls


@pytest.fixture
def in_a_request():
    request_started.send(sender=None)
    yield
    request_finished.send(sender=None)


def test_in_a_request_the_edition_version_is_read_once(in_a_request, cache_reads):
    factories.open_edition()
    first = edition_cache.current_edition()
    reads = len(cache_reads)
    for _ in range(3):
        assert edition_cache.current_edition().pk == first.pk
    assert len(cache_reads) == reads


def test_outside_a_request_every_read_asks_the_cache(cache_reads):
    factories.open_edition()
    edition_cache.current_edition()
    reads = len(cache_reads)
    edition_cache.current_edition()
    edition_cache.current_edition()
    assert len(cache_reads) == reads + 2


def test_a_change_made_in_the_request_is_seen_in_the_same_request(in_a_request):
    edition = factories.open_edition()
    assert edition_cache.current_edition().title_en == "Festival"
    Edition.objects.filter(pk=edition.pk).update(title_en="Renamed")
    assert edition_cache.current_edition().title_en == "Renamed"
    edition.title_en = "Saved"
    edition.save()
    assert edition_cache.current_edition().title_en == "Saved"


def test_a_change_committed_in_the_request_is_seen_in_it_after_the_commit(in_a_request, cache_reads):
    edition = factories.open_edition()
    assert edition_cache.current_edition().title_en == "Festival"
    with transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(title_en="Inside")
        # The transaction's own change, from the database, while it lasts.
        assert edition_cache.current_edition().title_en == "Inside"
    reads = len(cache_reads)
    assert edition_cache.current_edition().title_en == "Inside"
    # Read again from the cache after the commit dropped the version: not the version this request read first.
    assert len(cache_reads) > reads


def test_a_change_made_elsewhere_is_seen_by_the_next_request():
    edition = factories.open_edition()
    request_started.send(sender=None)
    try:
        assert edition_cache.current_edition().title_en == "Festival"
        # Another process changes the edition, and its signal drops the version in the cache.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE festival_edition SET title_en = 'Elsewhere' WHERE id = %s", [edition.pk])
        cache.delete(edition_cache._copies._version_key())
        # This request keeps the version it read: one edition from its start to its end.
        assert edition_cache.current_edition().title_en == "Festival"
    finally:
        request_finished.send(sender=None)
    request_started.send(sender=None)
    try:
        assert edition_cache.current_edition().title_en == "Elsewhere"
    finally:
        request_finished.send(sender=None)


def test_a_page_asks_the_cache_for_each_version_once(client, cache_reads):
    factories.open_edition()
    student = factories.student_with_consent()
    entry = factories.entry(user=student)
    client.force_login(student)
    client.get(f"/en/entries/{entry.pk}/")
    cache_reads.clear()
    assert client.get(f"/en/entries/{entry.pk}/").status_code == 200
    asked = [key for keys in cache_reads for key in keys if ":version:" in key]
    assert asked and len(asked) == len(set(asked)), asked


needs_redis = pytest.mark.skipif(
    settings.SESSION_ENGINE != "festival.sessions",
    reason="sessions are kept in Redis only when REDIS_URL is set",
)


@needs_redis
def test_the_session_and_the_edition_version_come_in_one_round_trip(client, cache_reads):
    assert settings.SESSION_ENGINE == "festival.sessions"
    factories.open_edition()
    student = factories.student_with_consent()
    entry = factories.entry(user=student)
    client.force_login(student)
    client.get(f"/en/entries/{entry.pk}/")
    cache_reads.clear()
    page = client.get(f"/en/entries/{entry.pk}/")
    assert page.status_code == 200 and entry.title in page.content.decode()
    edition_version = edition_cache._copies._version_key()
    with_session = [keys for keys in cache_reads if any("sessions" in key for key in keys)]
    assert len(with_session) == 1 and edition_version in with_session[0]
    assert [keys for keys in cache_reads if edition_version in keys] == with_session


@needs_redis
def test_a_session_the_cache_forgot_is_read_from_the_database(client):
    student = factories.student_with_consent()
    client.force_login(student)
    assert client.get("/en/me/").status_code == 200
    key = f"django.contrib.sessions.cached_db{client.session.session_key}"
    assert cache.get(key) is not None
    cache.delete(key)
    page = client.get("/en/me/")
    assert page.status_code == 200 and student.first_name in page.content.decode()


@needs_redis
def test_the_session_and_the_signed_in_account_come_in_one_round_trip(client, cache_reads):
    factories.open_edition()
    student = factories.student_with_consent()
    client.force_login(student)
    client.get("/en/me/")  # this process has now read the session: it knows whose it is
    cache_reads.clear()
    page = client.get("/en/me/")
    assert page.status_code == 200 and student.first_name in page.content.decode()
    account = user_cache._copies.copy_key(str(student.pk))
    assert [keys for keys in cache_reads if account in keys] == [
        keys for keys in cache_reads if any("sessions" in key for key in keys)
    ]
    assert len(cache_reads) == 1, cache_reads


@needs_redis
def test_an_account_changed_elsewhere_is_seen_though_read_with_the_session(client):
    student = factories.student_with_consent()
    client.force_login(student)
    client.get("/en/me/")
    # Another process renames the account, and its signal drops the account's version in the cache.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE festival_user SET first_name = 'Әлия' WHERE id = %s", [student.pk])
    user_cache.forget(student.pk)
    page = client.get("/en/me/")
    assert page.status_code == 200 and "Әлия" in page.content.decode()


@needs_redis
def test_two_people_on_one_process_each_get_their_own_account_with_their_session(cache_reads):
    from django.test import Client

    first, second = factories.student_with_consent(), factories.student_with_consent()
    clients = [Client(), Client()]
    for client, student in zip(clients, (first, second), strict=True):
        client.force_login(student)
        client.get("/en/me/")
    for client, student, other in ((clients[0], first, second), (clients[1], second, first)):
        cache_reads.clear()
        page = client.get("/en/me/").content.decode()
        assert student.email in page and other.email not in page
        assert len(cache_reads) == 1


@needs_redis
def test_a_coordinators_next_page_reads_what_the_last_one_read_with_the_session(client, cache_reads):
    factories.open_edition()
    coordinator = factories.coordinator()
    client.force_login(coordinator)
    path = "/en/region/astana/entries/"
    client.get(path)  # the region, its schools and its stage are read after the session, in round trips of their own
    cache_reads.clear()
    page = client.get(f"{path}?state=submitted")
    assert page.status_code == 200
    assert len(cache_reads) == 1, cache_reads
    asked = cache_reads[0]
    assert any(":regions:copy:" in key for key in asked) and any(":region-stage:copy:" in key for key in asked)


@needs_redis
def test_a_region_renamed_elsewhere_is_seen_though_read_with_the_session(client):
    from festival import reference_cache
    from festival.models import Region

    factories.open_edition()
    coordinator = factories.coordinator()
    client.force_login(coordinator)
    path = "/en/region/astana/entries/"
    client.get(path)
    region = Region.objects.get(code="astana")
    # Another process renames the region, and its signal drops the regions' version in the cache.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE festival_region SET name_en = 'Renamed Region' WHERE id = %s", [region.pk])
    reference_cache.forget()
    assert Region.objects.get(pk=region.pk).name_en == "Renamed Region"
    assert "Renamed Region" in client.get(path).content.decode()
