"""festival.prepared: a query compiled once gives what its queryset gives, with each call's own values."""

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from festival.models import Region, School
from festival.prepared import Prepared


def _schools(region, name):
    """Schools of a region by name, with their region and, from a subquery, how many schools it has."""
    siblings = School.objects.filter(region=OuterRef("region")).values("region").annotate(n=Count("pk")).values("n")
    return (
        School.objects.select_related("region").annotate(siblings=Subquery(siblings)).filter(region=region, name=name)
    )


@pytest.fixture
def schools(db):
    almaty, astana = Region.objects.order_by("pk")[:2]
    made = {
        (almaty.pk, "No. 1"): School.objects.create(region=almaty, name="No. 1"),
        (almaty.pk, "No. 2"): School.objects.create(region=almaty, name="No. 2"),
        (astana.pk, "No. 1"): School.objects.create(region=astana, name="No. 1"),
    }
    return almaty, astana, made


def test_each_call_gives_what_the_queryset_gives_with_its_own_values(schools):
    almaty, astana, made = schools
    prepared = Prepared(_schools, region=int, name=str)
    for region, name in [(almaty.pk, "No. 1"), (astana.pk, "No. 1"), (almaty.pk, "No. 2"), (astana.pk, "No. 2")]:
        expected = list(_schools(region, name))
        got = prepared.all(region=region, name=name)
        assert [school.pk for school in got] == [school.pk for school in expected]
        for school, same in zip(got, expected, strict=True):
            assert school.region.name_en == same.region.name_en
            assert school.siblings == same.siblings
    assert prepared.get(region=almaty.pk, name="No. 2") == made[(almaty.pk, "No. 2")]
    assert prepared.get(region=almaty.pk, name="No. 2").siblings == 2


def test_after_the_first_call_nothing_is_built_or_compiled_again(schools, monkeypatch):
    almaty, astana, made = schools
    built = []
    prepared = Prepared(lambda region, name: built.append(1) or _schools(region, name), region=int, name=str)
    prepared.get(region=almaty.pk, name="No. 1")
    with CaptureQueriesContext(connection) as queries:
        school = prepared.get(region=astana.pk, name="No. 1")
    assert built == [1]
    assert school == made[(astana.pk, "No. 1")]
    assert school.region == astana  # from the same query: no second one
    assert len(queries) == 1
    assert queries[0]["sql"].count(str(astana.pk)) >= 1


def test_values_list_and_missing_and_many_rows(schools):
    almaty, _astana, _made = schools
    names = Prepared(
        lambda region: School.objects.filter(region=region).order_by("name").values_list("name"), region=int
    )
    assert names.all(region=almaty.pk) == [("No. 1",), ("No. 2",)]
    by_region = Prepared(lambda region: School.objects.filter(region=region), region=int)
    with pytest.raises(School.MultipleObjectsReturned):
        by_region.get(region=almaty.pk)
    with pytest.raises(School.DoesNotExist):
        by_region.get(region=Region.objects.order_by("-pk")[0].pk)


def test_parameters_that_cannot_be_prepared_are_refused(schools):
    almaty, _astana, _made = schools
    # Changed on the way (a LIKE pattern) or never used: refused at the first call, not silently wrong.
    with pytest.raises(ValueError, match="changed"):
        Prepared(lambda name: School.objects.filter(name__icontains=name), name=str).all(name="1")
    with pytest.raises(ValueError, match="do not reach"):
        Prepared(lambda region: School.objects.all(), region=int).all(region=almaty.pk)
    prepared = Prepared(lambda region: School.objects.filter(region=region), region=int)
    with pytest.raises(TypeError):
        prepared.all(region=str(almaty.pk))
    with pytest.raises(TypeError):
        prepared.all(region=almaty.pk, name="No. 1")
    with pytest.raises(TypeError):
        Prepared(lambda region: School.objects.filter(region=region), region=float)


def test_a_list_goes_as_one_array_whatever_its_length(schools):
    almaty, astana, made = schools
    ids = [school.pk for school in made.values()]
    by_ids = Prepared(lambda pks: School.objects.filter(pk__any=pks).order_by("pk"), pks=list)
    # A foreign key takes the lookup too.
    of_regions = Prepared(
        lambda regions: School.objects.filter(region_id__any=regions).order_by("pk").values_list("pk", flat=True),
        regions=list,
    )
    for chosen in ([], ids[:1], ids, [*ids, 2_000_000_000]):
        assert by_ids.all(pks=chosen) == list(School.objects.filter(pk__in=chosen).order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        for chosen in ([], ids[:1], ids):
            by_ids.all(pks=chosen)
    # The same statement for every length: the list is one array parameter.
    assert len({query["sql"].split("ANY")[0] for query in queries}) == 1
    assert [query["sql"].count("ANY(") for query in queries] == [1, 1, 1]
    assert of_regions.all(regions=[astana.pk]) == [made[(astana.pk, "No. 1")].pk]
    assert of_regions.all(regions=[almaty.pk, astana.pk]) == sorted(ids)
    with pytest.raises(TypeError):
        by_ids.all(pks=[str(ids[0])])
    with pytest.raises(TypeError):
        by_ids.all(pks=tuple(ids))


def test_a_page_of_rows_is_what_slicing_the_queryset_gives(schools):
    almaty, _astana, _made = schools
    for n in range(3, 8):
        School.objects.create(region=almaty, name=f"No. {n}")
    build = lambda region: School.objects.filter(region=region).order_by("name").values_list("name", flat=True)  # noqa: E731
    prepared = Prepared(build, region=int)
    with CaptureQueriesContext(connection) as queries:
        for offset, limit in [(0, 3), (3, 3), (6, 3), (0, 50), (7, 3), (0, 0)]:
            assert prepared.page(offset, limit, region=almaty.pk) == list(build(almaty.pk)[offset : offset + limit])
    assert "LIMIT" in queries[0]["sql"] and "OFFSET" in queries[0]["sql"]
    for offset, limit in [(-1, 3), (0, -3), ("0", 3)]:
        with pytest.raises(TypeError):
            prepared.page(offset, limit, region=almaty.pk)


def test_a_locking_query_still_needs_a_transaction(schools):
    almaty, _astana, made = schools
    locked = Prepared(lambda pk: School.objects.select_for_update().filter(pk=pk), pk=int)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert locked.get(pk=made[(almaty.pk, "No. 1")].pk).name == "No. 1"
    assert "FOR UPDATE" in queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_locking_query_is_refused_and_threads_use_their_own_connection(schools):
    almaty, astana, made = schools
    locked = Prepared(lambda pk: School.objects.select_for_update().filter(pk=pk), pk=int)
    with pytest.raises(TransactionManagementError):
        locked.get(pk=made[(almaty.pk, "No. 1")].pk)
    prepared = Prepared(_schools, region=int, name=str)
    prepared.get(region=almaty.pk, name="No. 1")  # compiled on this thread's connection
    main_connection = connection.connection
    seen = {}

    def other_thread():
        try:
            seen["school"] = prepared.get(region=astana.pk, name="No. 1")
            seen["same_connection"] = connection.connection is main_connection
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == {"school": made[(astana.pk, "No. 1")], "same_connection": False}


def test_a_union_takes_the_value_in_each_of_its_parts(schools):
    almaty, astana, made = schools

    def either(first, second):
        return (
            School.objects.filter(region_id=first, name="No. 2")
            .values("pk")
            .union(School.objects.filter(region_id=second).values("pk"))
        )

    prepared = Prepared(either, first=int, second=int)
    for first, second in [(almaty.pk, astana.pk), (astana.pk, almaty.pk), (astana.pk, astana.pk)]:
        assert sorted(row["pk"] for row in prepared.all(first=first, second=second)) == sorted(
            row["pk"] for row in either(first, second)
        )
    assert {row["pk"] for row in prepared.all(first=almaty.pk, second=astana.pk)} == {
        made[(almaty.pk, "No. 2")].pk,
        made[(astana.pk, "No. 1")].pk,
    }


def _team(entry):
    """What the pages read of an entry's team and films."""
    return (
        [(author.pk, author.participant.last_name, author.entry is entry) for author in entry.authors.all()],
        [user.pk for user in entry.supervisors.all()],
        [film.pk for film in entry.films.all()],
        entry.film.pk if entry.film else None,
        entry.school.name if entry.school else None,
    )


def test_an_entry_read_with_prepared_queries_holds_what_prefetch_related_gives(edition):
    from submissions import selectors
    from submissions.models import EntryAuthor, Film
    from tests import factories

    supervisor = factories.SupervisorFactory()
    entry = factories.entry(supervisor=supervisor)
    for last_name in ("Ахметов", "Бекова"):
        member = factories.participant(supervisor=supervisor)
        member.last_name = last_name
        member.save()
        EntryAuthor.objects.create(entry=entry, participant=member, role=EntryAuthor.Role.ACTING)
    first = factories.checked_film(entry)
    Film.objects.create(entry=entry, file="films/x.mp4", size=1, original_name="b.mp4", status=Film.Status.REJECTED)
    other_supervisor = factories.SupervisorFactory()
    other = factories.entry(supervisor=other_supervisor, title="Басқа")

    for pk in (entry.pk, other.pk):
        expected = _team(selectors.entries_with_team().get(pk=pk))
        with CaptureQueriesContext(connection) as queries:
            got = selectors.entry_with_team(pk)
            team = _team(got)
        # The entry, its authors with their participants, supervisors and films: nothing more, even for
        # author.entry.
        assert len(queries) == 4
        assert team == expected
    # The last one read was the other entry: its own supervisor, and no films.
    assert team[1] == [other_supervisor.pk] and team[2] == []
    assert _team(selectors.entry_with_team(entry.pk))[3] == first.pk
    # A query built on a relation still asks the database, about this entry alone.
    got = selectors.entry_with_team(entry.pk)
    assert got.films.filter(status=Film.Status.OK).count() == 1
    assert got.authors.count() == 3


def test_an_entry_that_does_not_exist_is_refused_as_get_would(db):
    from submissions import selectors
    from submissions.models import Entry

    with pytest.raises(Entry.DoesNotExist):
        selectors.entry_with_team(2_000_000_000)


def test_a_students_participant_and_consent_in_force_as_the_querysets_give_them(db):
    import datetime

    from django.utils import timezone

    from festival import selectors, services
    from festival.models import Consent
    from tests import factories

    user = factories.student_with_consent()
    participant = user.participant
    first = Consent.objects.get(participant=participant)
    later = Consent.objects.get(pk=first.pk)
    later.pk, later.given_at = None, timezone.now() + datetime.timedelta(minutes=1)
    later.save()
    assert selectors.participant_of(user).pk == participant.pk
    assert selectors.participant_of(user).school.name == participant.school.name
    assert selectors.consent_of(participant).pk == later.pk
    services.consent_withdraw(consent=later)
    assert selectors.consent_of(participant).pk == first.pk
    services.consent_withdraw(consent=first)
    assert selectors.consent_of(participant) is None
    assert selectors.participant_of(factories.UserFactory()) is None
