"""The regions, schools and regional-stage settings kept in the cache (festival/reference_cache.py,
submissions/region_cache.py), and what the coordinator's list reads thanks to them: never stale after a
change, however it is written."""

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from festival import reference_cache
from festival.models import Region, School
from festival.paths import path_for_pk
from submissions import services as entry_services
from submissions.models import Entry, RegionQuota, RegionSignoff
from submissions.region_cache import region_stage
from tests import factories

# Outside a test transaction: the caches keep only what was read outside one (committed data).
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_region_is_read_once_then_from_the_cache(django_assert_num_queries):
    with django_assert_num_queries(1):
        astana = reference_cache.region_by_code("astana")
    with django_assert_num_queries(0):
        again = reference_cache.region_by_code("astana")
        assert reference_cache.region_by_code("no-such-region") is None
    assert again.pk == astana.pk and again.name == astana.name
    # Each read gets its own instance: nothing a view sets on it reaches the next request.
    assert again is not astana


@pytest.mark.parametrize("how", ["save", "queryset update", "delete"])
def test_a_changed_region_is_seen_at_once(how):
    reference_cache.region_by_code("astana")
    if how == "save":
        region = Region.objects.get(code="astana")
        region.name_en = "Astana, the capital"
        region.save()
        assert reference_cache.region_by_code("astana").name_en == "Astana, the capital"
    elif how == "queryset update":
        Region.objects.filter(code="astana").update(code="nur-sultan")
        assert reference_cache.region_by_code("astana") is None
        assert reference_cache.region_by_code("nur-sultan") is not None
    else:
        Region.objects.create(code="test-region", kind=Region.Kind.CITY, name_kk="С", name_ru="Т", name_en="T")
        assert reference_cache.region_by_code("test-region") is not None
        Region.objects.filter(code="test-region").delete()
        assert reference_cache.region_by_code("test-region") is None


def test_an_unknown_region_is_not_found(client):
    client.force_login(factories.organizer())
    assert client.get(reverse("submissions:region_entries", args=["atlantis"])).status_code == 404


def test_schools_are_seen_at_once_however_written():
    astana = factories.region("astana")
    first = School.objects.create(region=astana, name="Б мектебі")
    assert reference_cache.region_schools(astana.pk) == [(first.pk, "Б мектебі")]
    School.objects.bulk_create([School(region=astana, name="А мектебі")])
    assert [name for _pk, name in reference_cache.region_schools(astana.pk)] == ["А мектебі", "Б мектебі"]
    School.objects.filter(pk=first.pk).update(name="В мектебі")
    assert [name for _pk, name in reference_cache.region_schools(astana.pk)] == ["А мектебі", "В мектебі"]
    # Moved to another region: gone from the first one's list, in the other's.
    shymkent = factories.region("shymkent")
    first.refresh_from_db()
    first.region = shymkent
    first.save()
    assert [name for _pk, name in reference_cache.region_schools(astana.pk)] == ["А мектебі"]
    assert reference_cache.region_schools(shymkent.pk) == [(first.pk, "В мектебі")]


def test_quotas_and_the_sign_off_are_seen_at_once(edition, django_assert_num_queries):
    astana, shymkent = factories.region("astana"), factories.region("shymkent")
    nomination = edition.nominations.get(code="tv-story")
    assert region_stage(edition=edition, region=astana) == {"quotas": {}, "signoff": None}
    with django_assert_num_queries(0):
        region_stage(edition=edition, region=astana)
    quota = RegionQuota.objects.create(edition=edition, region=astana, nomination=nomination, quota=3)
    assert region_stage(edition=edition, region=astana)["quotas"] == {nomination.pk: 3}
    RegionQuota.objects.filter(pk=quota.pk).update(quota=2)
    assert region_stage(edition=edition, region=astana)["quotas"] == {nomination.pk: 2}
    # A quota moved to another region leaves the first one's copy too.
    assert region_stage(edition=edition, region=shymkent)["quotas"] == {}
    quota.refresh_from_db()
    quota.region = shymkent
    quota.save()
    assert region_stage(edition=edition, region=astana)["quotas"] == {}
    assert region_stage(edition=edition, region=shymkent)["quotas"] == {nomination.pk: 2}
    coordinator = factories.coordinator("astana")
    RegionSignoff.objects.create(edition=edition, region=astana, signed_by=coordinator)
    signoff = region_stage(edition=edition, region=astana)["signoff"]
    assert signoff is not None and signoff.signed_by.pk == coordinator.pk


def test_a_sign_off_inside_a_transaction_is_not_kept_if_it_rolls_back(edition):
    astana = factories.region("astana")
    coordinator = factories.coordinator("astana")
    with pytest.raises(RuntimeError), transaction.atomic():
        RegionSignoff.objects.create(edition=edition, region=astana, signed_by=coordinator)
        assert region_stage(edition=edition, region=astana)["signoff"] is not None
        raise RuntimeError("rolled back")
    assert region_stage(edition=edition, region=astana)["signoff"] is None


def _listed(client, query):
    page = client.get(reverse("submissions:region_entries", args=["astana"]) + query)
    assert page.status_code == 200
    return page


def test_the_coordinators_list_counts_what_its_filters_let_through(client, edition):
    """The number of films (and so of pages) comes from the counts by state and nomination when the filters
    are those two, and from a query of its own otherwise: the same figure either way."""
    made = [
        factories.entry(nomination_code=code, title=f"Фильм {i}")
        for i, code in enumerate(["tv-story", "tv-story", "music-video", "tv-story"])
    ]
    for entry in made[:3]:
        factories.checked_film(entry)
        entry_services.entry_submit(entry=entry, user=entry.created_by)
    coordinator = factories.coordinator("astana")
    entry_services.entry_accept(entry=Entry.objects.get(pk=made[0].pk), by=coordinator)
    client.force_login(coordinator)
    tv, music = (edition.nominations.get(code=code).pk for code in ("tv-story", "music-video"))
    school = made[1].school_id
    age_group = edition.age_groups.order_by("pk")[0].pk
    Entry.objects.filter(pk__in=[made[0].pk, made[2].pk, made[3].pk]).update(age_group=age_group)
    expected = {
        "": 3,  # drafts are not listed
        f"?nomination={tv}": 2,
        f"?nomination={music}": 1,
        "?state=submitted": 2,
        f"?state=submitted&nomination={tv}": 1,
        "?state=accepted": 1,
        "?state=draft": 0,
        "?state=nonsense": 3,
        "?nomination=999999": 0,
        f"?school={school}": 1,
        f"?school={school}&state=submitted": 1,
        f"?school={school}&state=accepted": 0,
        f"?age_group={age_group}": 2,
        f"?age_group={age_group}&nomination={tv}": 1,
        f"?age_group={age_group}&nomination={tv}&state=accepted&school={made[0].school_id}": 1,
        f"?age_group={age_group}&nomination={tv}&state=submitted": 0,
        "?school=99999999999999999999999999": 0,
        "?q=Фильм 1": 1,
        f"?q=Фильм&nomination={music}": 1,
    }
    for query, count in expected.items():
        page = _listed(client, query)
        assert page.context["page"].paginator.count == count, query
        assert page.content.decode().count('data-testid="region-entry"') == count, query


def test_the_coordinators_list_asks_no_count_for_its_usual_filters(client, edition):
    entry = factories.entry()
    factories.checked_film(entry)
    entry_services.entry_submit(entry=entry, user=entry.created_by)
    client.force_login(factories.coordinator("astana"))
    tv = edition.nominations.get(code="tv-story").pk
    _listed(client, f"?state=submitted&nomination={tv}")
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        page = _listed(client, f"?state=submitted&nomination={tv}")
    # The paginator's own count (Django's count() names its column __count); the counts by state and
    # nomination the page shows are one query it reads anyway.
    assert not [q for q in queries if '"__count"' in q["sql"]]
    assert len([q for q in queries if "COUNT(*)" in q["sql"]]) == 1
    assert 'data-testid="region-entry"' in page.content.decode()
    # The link of each row is the entry's page.
    assert reverse("submissions:region_entry", args=["astana", entry.pk]) in page.content.decode()


def test_a_new_school_is_offered_as_a_filter_at_once(client, edition):
    client.force_login(factories.coordinator("astana"))
    assert "Жаңа мектеп" not in _listed(client, "").content.decode()
    School.objects.create(region=factories.region("astana"), name="Жаңа мектеп")
    assert "Жаңа мектеп" in _listed(client, "").content.decode()


def test_row_addresses_are_those_reverse_gives():
    for language in ("kk", "ru", "en"):
        with translation.override(language):
            path = path_for_pk("submissions:region_entry", "astana")
            for pk in (1, 42, 987654321, 10**15):
                assert path(pk) == reverse("submissions:region_entry", args=["astana", pk])
            assert path_for_pk("judging:score")(7) == reverse("judging:score", args=[7])


def test_a_quota_moved_by_a_queryset_update_is_seen_where_it_goes(edition):
    astana, shymkent = factories.region("astana"), factories.region("shymkent")
    nomination = edition.nominations.get(code="tv-story")
    RegionQuota.objects.create(edition=edition, region=astana, nomination=nomination, quota=4)
    assert region_stage(edition=edition, region=shymkent)["quotas"] == {}
    RegionQuota.objects.filter(region=astana).update(region=shymkent)
    assert region_stage(edition=edition, region=shymkent)["quotas"] == {nomination.pk: 4}
    assert region_stage(edition=edition, region=astana)["quotas"] == {}


def test_the_coordinators_list_between_editions(client):
    """No current edition: an empty list, not an error."""
    client.force_login(factories.coordinator("astana"))
    page = _listed(client, "")
    assert page.context["page"].paginator.count == 0
