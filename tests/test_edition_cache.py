"""The cached current edition (festival/edition_cache.py): two cache reads instead of four queries, and never
stale after a change, however the change is written."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from festival import edition_cache
from festival.models import AgeGroup, Edition, Nomination, Phase
from tests import factories
from tests.test_health import closed_port

# Outside a test transaction: the cache keeps only what was read outside one (committed data).
pytestmark = pytest.mark.django_db(transaction=True)


def test_read_once_then_from_the_cache(django_assert_num_queries):
    edition = factories.open_edition()
    with django_assert_num_queries(4):  # the edition, its phases, nominations and age groups
        first = edition_cache.current_edition()
    codes, ages = list(edition.nominations.values_list("code", flat=True)), [6, 11, 15]
    with django_assert_num_queries(0):
        again = edition_cache.current_edition()
        assert [p.kind for p in again.phases.all()] == [p.kind for p in first.phases.all()]
        assert [n.code for n in again.nominations.all()] == codes
        assert [g.min_age for g in again.age_groups.all()] == ages
    assert again.pk == edition.pk and again.cache_stamp == first.cache_stamp


def test_no_current_edition_is_cached_too(django_assert_num_queries):
    assert edition_cache.current_edition() is None
    with django_assert_num_queries(0):
        assert edition_cache.current_edition() is None
    factories.open_edition()
    assert edition_cache.current_edition() is not None


def _phase_ends(kind):
    return next(p.ends_at for p in edition_cache.current_edition().phases.all() if p.kind == kind)


@pytest.mark.parametrize("how", ["save", "queryset update", "bulk_update"])
def test_a_changed_phase_is_seen_at_once(how):
    edition = factories.open_edition()
    stamp = edition_cache.current_edition().cache_stamp
    kind = Phase.Kind.REGIONAL_SUBMISSION
    later = edition.phases.get(kind=kind).ends_at + datetime.timedelta(days=3)
    if how == "save":
        phase = edition.phases.get(kind=kind)
        phase.ends_at = later
        phase.save()
    elif how == "queryset update":
        edition.phases.filter(kind=kind).update(ends_at=later)
    else:
        phase = edition.phases.get(kind=kind)
        phase.ends_at = later
        Phase.objects.bulk_update([phase], ["ends_at"])
    assert _phase_ends(kind) == later
    assert edition_cache.current_edition().cache_stamp != stamp


def test_nominations_and_age_groups_added_or_removed_are_seen():
    edition = factories.open_edition()
    count = len(edition_cache.current_edition().nominations.all())
    Nomination.objects.bulk_create(
        [Nomination(edition=edition, code="animation", name_kk="А", name_ru="А", name_en="A", max_duration_seconds=300,
                    max_file_size_mb=500)]
    )  # fmt: skip
    assert len(edition_cache.current_edition().nominations.all()) == count + 1
    Nomination.objects.filter(code="animation").delete()
    assert len(edition_cache.current_edition().nominations.all()) == count
    groups = len(edition_cache.current_edition().age_groups.all())
    edition.age_groups.first().delete()
    assert len(edition_cache.current_edition().age_groups.all()) == groups - 1


def test_another_edition_made_current_replaces_it():
    factories.closed_edition()
    assert edition_cache.current_edition().title_en == "Past"
    newer = factories.open_edition()  # edition_create clears is_current with a queryset update
    assert edition_cache.current_edition().pk == newer.pk
    Edition.objects.filter(pk=newer.pk).update(title_en="Renamed")
    assert edition_cache.current_edition().title_en == "Renamed"


def test_a_read_inside_a_transaction_is_not_kept():
    edition = factories.open_edition()
    with pytest.raises(RuntimeError), transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(title_en="Rolled back")
        assert edition_cache.current_edition().title_en == "Rolled back"
        raise RuntimeError
    assert edition_cache.current_edition().title_en == "Festival"


def test_forgotten_again_once_the_change_commits():
    """A request that reads between the change and its commit caches the old copy: the commit drops it. The
    transaction itself reads its own change meanwhile, not that copy."""
    edition = factories.open_edition()
    old = edition_cache.current_edition()
    with transaction.atomic():
        AgeGroup.objects.filter(edition=edition).update(max_age=30)
        # Another request, outside this transaction, reads the old rows and caches them meanwhile.
        stale = edition_cache._copies.version()
        cache.set(edition_cache._copies.copy_key(), (stale, time.time(), old))
        assert {g.max_age for g in edition_cache.current_edition().age_groups.all()} == {30}
    # The copy kept meanwhile is under a version the commit dropped: no one takes it for current.
    assert edition_cache._copies.version() != stale
    assert {g.max_age for g in edition_cache.current_edition().age_groups.all()} == {30}


def test_a_transaction_that_changes_nothing_reads_the_copy(django_assert_num_queries):
    factories.open_edition()
    edition_cache.current_edition()
    with transaction.atomic(), django_assert_num_queries(0):
        assert edition_cache.current_edition().title_en == "Festival"


def test_a_read_just_before_an_update_outside_a_transaction_is_not_kept():
    """Outside a transaction an update commits at once: a request that read the old rows just before it (after
    the first forget) must not leave them cached."""
    edition = factories.open_edition()
    edition_cache.current_edition()
    update = QuerySet.update

    def read_then_update(queryset, **kwargs):
        edition_cache.current_edition()  # another request, between the forget and the write
        return update(queryset, **kwargs)

    with mock.patch.object(QuerySet, "update", read_then_update):
        AgeGroup.objects.filter(edition=edition).update(max_age=31)
    assert {g.max_age for g in edition_cache.current_edition().age_groups.all()} == {31}


def test_without_the_cache_pages_read_the_database(settings, client):
    factories.open_edition()
    settings.CACHES = {
        "default": {
            "BACKEND": "festival.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    assert edition_cache.current_edition().title_en == "Festival"
    phase = Phase.objects.first()
    phase.ends_at = timezone.now() + datetime.timedelta(days=1)
    phase.save()  # the organizer's change goes through, the cache being down
    assert client.get("/en/").status_code == 200


def test_the_landing_page_follows_the_edition_in_each_language(client):
    edition = factories.open_edition()
    nomination = edition.nominations.order_by("order").first()
    assert nomination.name_ru in client.get("/ru/").content.decode()
    assert nomination.name_kk in client.get("/kk/").content.decode()
    nomination.name_ru = "Игровой фильм о степи"
    nomination.save()
    assert "Игровой фильм о степи" in client.get("/ru/").content.decode()
    assert "Игровой фильм о степи" not in client.get("/kk/").content.decode()
    # A phase that opens or closes changes the dates' "now" marks with no write at all: time passes.
    phases = list(edition.phases.all())
    now = timezone.now()
    opened = {p.pk for p in phases if p.is_open(now)}
    moment = min(
        m
        for p in phases
        for m in (p.starts_at, p.ends_at)
        if m > now and {q.pk for q in phases if q.is_open(m)} != opened
    )
    marked = lambda page: set(re.findall(r'phase-open">\s*<span>([^<]+?)\s*<', page))  # noqa: E731
    stamp = edition_cache.current_edition().cache_stamp
    assert marked(client.get("/en/").content.decode()) == {p.get_kind_display() for p in phases if p.pk in opened}
    with mock.patch("django.utils.timezone.now", return_value=moment):
        page = client.get("/en/").content.decode()
    assert marked(page) == {p.get_kind_display() for p in phases if p.is_open(moment)}
    assert edition_cache.current_edition().cache_stamp == stamp  # the same cached copy all along


def test_the_copy_in_memory_lasts_no_longer_than_the_cached_one():
    """A write that sends no signal (raw SQL) is seen once the copy expires, in the cache and in memory."""
    edition = factories.open_edition()
    assert edition_cache.current_edition().title_en == "Festival"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE festival_edition SET title_en = 'Raw' WHERE id = %s", [edition.pk])
    assert edition_cache.current_edition().title_en == "Festival"  # the copy, in memory
    cache.delete(edition_cache._copies.copy_key())  # the cache's copy expires
    assert edition_cache.current_edition().title_en == "Festival"  # still in memory, for now
    later = time.time() + edition_cache.TIMEOUT + 1
    with mock.patch("festival.cached.time.time", return_value=later):
        assert edition_cache.current_edition().title_en == "Raw"


def test_an_entry_page_takes_the_edition_and_the_nomination_from_the_cached_copy(client):
    edition = factories.open_edition()
    student = factories.student_with_consent()
    entry = factories.entry(user=student)
    client.force_login(student)
    client.get(f"/en/entries/{entry.pk}/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/en/entries/{entry.pk}/").content.decode()
    assert edition.nominations.get(code="tv-story").name_en in page
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert not any(f'"festival_{table}"' in read for table in ("edition", "nomination", "agegroup"))


def test_an_entry_of_an_earlier_edition_still_shows_its_nomination(client):
    factories.open_edition()
    student = factories.student_with_consent()
    entry = factories.entry(user=student, nomination_code="music-video")
    newer = factories.closed_edition()  # another edition is current now
    assert edition_cache.current_edition().pk == newer.pk != entry.edition_id
    client.force_login(student)
    page = client.get(f"/en/entries/{entry.pk}/").content.decode()
    assert entry.nomination.name_en in page


def test_an_upload_is_started_with_the_edition_and_its_phases_from_the_cached_copy():
    from tests.test_tus import create, make_entry, signed_in

    edition = factories.open_edition()
    student = factories.student_with_consent()
    entry = make_entry(edition, student)
    client = signed_in(student)
    assert create(client, entry, 1000).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert create(client, entry, 1000).status_code == 201
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert not any(f'"festival_{table}"' in read for table in ("edition", "phase", "nomination")), read
    # Outside the phases the cached copy still refuses it.
    past = timezone.now() - datetime.timedelta(days=2)
    Phase.objects.filter(edition=edition).update(starts_at=past, ends_at=past + datetime.timedelta(days=1))
    assert create(client, entry, 1000).status_code == 403
