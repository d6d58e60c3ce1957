"""The criteria and the results lock kept in the cache for the jury's pages and the public results
(judging/setup_cache.py): never stale after a change, however it is written; a score's save reads them from
it too."""

import pytest
from django.urls import reverse

from judging import services, setup_cache
from judging.models import Assignment, Criterion, ResultsLock
from tests import factories
from tests.test_judging import finalists, panel_with
from tests.test_request_versions import cache_reads, needs_redis  # noqa: F401 - a fixture

# Outside a test transaction: the cache keeps only what was read outside one (committed data).
pytestmark = pytest.mark.django_db(transaction=True)


def test_criteria_are_read_once_and_follow_the_rule_of_the_service(edition, django_assert_num_queries):
    services.criteria_default_create(edition=edition)
    tv, music = (edition.nominations.get(code=code) for code in ("tv-story", "music-video"))
    Criterion.objects.create(edition=edition, nomination=music, code="rhythm", name_kk="Ы", name_ru="Р", name_en="R")
    for nomination in (tv, music):
        expected = [c.pk for c in services.criteria_for(edition=edition, nomination=nomination)]
        assert [c.pk for c in setup_cache.criteria_for(edition=edition, nomination=nomination)] == expected
    with django_assert_num_queries(0):
        own = setup_cache.criteria_for(edition=edition, nomination=music)
    # A nomination's own criteria replace the general ones.
    assert [c.code for c in own] == ["rhythm"]
    assert len(setup_cache.criteria_for(edition=edition, nomination=tv)) == 7


@pytest.mark.parametrize("how", ["save", "queryset update", "delete"])
def test_a_changed_criterion_is_seen_at_once(edition, how):
    services.criteria_default_create(edition=edition)
    tv = edition.nominations.get(code="tv-story")
    first = setup_cache.criteria_for(edition=edition, nomination=tv)[0]
    if how == "save":
        criterion = Criterion.objects.get(pk=first.pk)
        criterion.maximum = 5
        criterion.save()
        assert setup_cache.criteria_for(edition=edition, nomination=tv)[0].maximum == 5
    elif how == "queryset update":
        Criterion.objects.filter(edition=edition).update(maximum=20)
        assert {c.maximum for c in setup_cache.criteria_for(edition=edition, nomination=tv)} == {20}
    else:
        Criterion.objects.filter(pk=first.pk).delete()
        assert first.pk not in [c.pk for c in setup_cache.criteria_for(edition=edition, nomination=tv)]


def test_the_lock_is_seen_at_once_by_the_scoring_page_and_the_public_results(client, edition):
    finalists(edition, 1)
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(juror)
    score_page = reverse("judging:score", args=[assignment.pk])
    assert 'data-testid="save-next"' in client.get(score_page).content.decode()
    assert setup_cache.locked_results(edition) is None
    organizer = factories.organizer()
    services.results_lock(edition=edition, by=organizer)
    assert setup_cache.locked_results(edition)["pk"] == ResultsLock.objects.get().pk
    # Read-only now: no form to save.
    assert 'data-testid="save-next"' not in client.get(score_page).content.decode()
    assert client.get(reverse("judging:public")).context["locked"] is True
    services.results_reopen(edition=edition, by=organizer, reason="Пересчёт")
    assert setup_cache.locked_results(edition) is None
    assert client.get(reverse("judging:public")).context["locked"] is False
    assert 'data-testid="save-next"' in client.get(score_page).content.decode()
    # A queryset update (no signal) is seen too.
    ResultsLock.objects.update(locked=True)
    assert client.get(reverse("judging:public")).context["locked"] is True


def test_a_save_sees_the_lock_and_the_criteria_changed_after_the_copy_was_read(edition):
    """score_save takes the lock and the criteria from the copy: a lock or a narrower scale that committed after
    the copy was read still refuses the save."""
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    criteria = setup_cache.criteria_for(edition=edition, nomination=entry.nomination)  # the copy is kept
    assert setup_cache.locked_results(edition) is None
    values = {c.pk: 8 for c in criteria}

    Criterion.objects.filter(pk=criteria[0].pk).update(maximum=5)
    with pytest.raises(services.JudgingError) as error:
        services.score_save(assignment=assignment, values=values, notes={}, note="", submit=True, version=0, by=juror)
    assert error.value.code == "out_of_scale"

    services.results_lock(edition=edition, by=factories.organizer())
    with pytest.raises(services.JudgingError) as error:
        lower = {c.pk: 4 for c in criteria}
        services.score_save(assignment=assignment, values=lower, notes={}, note="", submit=True, version=0, by=juror)
    assert error.value.code == "closed"
    from judging.models import Score

    assert not Score.objects.filter(assignment=assignment).exists()


@needs_redis
def test_the_scoring_page_asks_for_the_judging_set_up_with_the_session(client, edition, cache_reads):  # noqa: F811
    finalists(edition, 1)
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(juror)
    url = reverse("judging:score", args=[assignment.pk])
    assert client.get(url).status_code == 200
    cache_reads.clear()
    assert client.get(url).status_code == 200
    setup_versions = set(setup_cache._copies._version_keys(str(edition.pk)))
    # The page's first round trip to the cache: the session, the edition's version and the set-up's.
    first = cache_reads[0]
    assert any("sessions" in key for key in first) and setup_versions <= set(first)
    assert not [keys for keys in cache_reads[1:] if setup_versions & set(keys)]
    # What the session's read brought is what the page goes by: a criterion added since shows at once.
    services.criteria_default_create(edition=edition)
    Criterion.objects.create(
        edition=edition, nomination=None, code="sound", name_kk="Дыбыс", name_ru="Звук", name_en="Sound"
    )
    assert "Звук" in client.get(url.replace("/en/", "/ru/")).content.decode()
