"""Jury panels: assignment around conflicts of interest, blind scoring, drafts, deadlines, recusal, audit."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from judging import selectors, services
from judging.models import Assignment, AuditEvent, Conflict, Criterion, Panel, PanelMember, Score, ScoreItem
from submissions.models import Entry
from tests import factories
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def finalists(edition, count, region_code="astana", nomination="tv-story"):
    entries = [
        factories.entry(region_code=region_code, title=f"Фильм {i}", nomination_code=nomination) for i in range(count)
    ]
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    return [Entry.objects.get(pk=e.pk) for e in entries]


def panel_with(edition, jurors, *, assigning=Panel.Assigning.ALL, per_entry=2, deadline_days=5):
    services.criteria_default_create(edition=edition)
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REPUBLICAN,
        name_ru="Жюри: сюжеты",
        assigning=assigning,
        jurors_per_entry=per_entry,
        deadline=timezone.now() + datetime.timedelta(days=deadline_days),
    )
    factories.republican_judging_open(edition)
    panel.nominations.add(edition.nominations.get(code="tv-story"))
    for juror in jurors:
        PanelMember.objects.create(panel=panel, juror=juror)
    return panel


def full_marks(panel, entry, points=7):
    criteria = selectors.criteria_for(edition=panel.edition, nomination=entry.nomination)
    return {c.pk: points for c in criteria}


def test_default_criteria_are_the_seven_of_the_rules(edition):
    services.criteria_default_create(edition=edition)
    services.criteria_default_create(edition=edition)
    assert Criterion.objects.filter(edition=edition).count() == 7
    assert {c.maximum for c in Criterion.objects.all()} == {10}


def test_assign_all_skips_own_school_and_own_region(edition):
    entries = finalists(edition, 2, region_code="astana")
    same_school = factories.juror()
    same_school.school = entries[0].school
    same_school.save(update_fields=["school"])
    same_region = factories.juror()
    same_region.region = entries[1].region
    same_region.save(update_fields=["region"])
    outsider = factories.juror()
    panel = panel_with(edition, [same_school, same_region, outsider])
    services.assignments_build(panel=panel)
    pairs = set(Assignment.objects.filter(panel=panel).values_list("juror_id", "entry_id"))
    assert (same_school.pk, entries[0].pk) not in pairs
    assert not any(j == same_region.pk for j, _e in pairs)  # both entries are from the juror's region
    assert {(outsider.pk, e.pk) for e in entries} <= pairs
    kinds = set(Conflict.objects.filter(panel=panel).values_list("juror_id", "kind"))
    assert (same_school.pk, "school") in kinds and (same_region.pk, "region") in kinds


def test_assign_per_entry_spreads_evenly_and_is_idempotent(edition):
    finalists(edition, 5)
    jurors = [factories.juror() for _ in range(3)]
    panel = panel_with(edition, jurors, assigning=Panel.Assigning.PER_ENTRY, per_entry=2)
    assert services.assignments_build(panel=panel) == 10
    assert services.assignments_build(panel=panel) == 0
    loads = sorted(Assignment.objects.filter(panel=panel, juror=j).count() for j in jurors)
    assert loads == [3, 3, 4]


def test_dropped_juror_keeps_submitted_scores_and_the_rest_moves(edition):
    entries = finalists(edition, 2)
    leaving, staying, spare = factories.juror(), factories.juror(), factories.juror()
    panel = panel_with(edition, [leaving, staying, spare], assigning=Panel.Assigning.PER_ENTRY, per_entry=2)
    services.assignments_build(panel=panel)
    mine = list(Assignment.objects.filter(panel=panel, juror=leaving).order_by("pk"))
    assert mine, "the leaving juror had films"
    services.score_save(
        assignment=mine[0], values=full_marks(panel, entries[0]), notes={}, note="", submit=True, version=0, by=leaving
    )
    services.juror_drop(panel=panel, juror=leaving, by=factories.organizer())
    kept = Assignment.objects.get(pk=mine[0].pk)
    assert kept.active and kept.score.status == Score.Status.SUBMITTED
    for entry in entries:
        active = Assignment.objects.filter(panel=panel, entry=entry, active=True)
        assert active.count() >= 2


def test_score_out_of_scale_incomplete_and_stale_refused(edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    marks = full_marks(panel, entry)
    first = next(iter(marks))
    with pytest.raises(services.JudgingError) as error:
        services.score_save(
            assignment=assignment, values={**marks, first: 11}, notes={}, note="", submit=False, version=0, by=juror
        )
    assert error.value.code == "out_of_scale"
    with pytest.raises(services.JudgingError) as error:
        services.score_save(
            assignment=assignment, values={**marks, first: None}, notes={}, note="", submit=True, version=0, by=juror
        )
    assert error.value.code == "incomplete"
    services.score_save(assignment=assignment, values={first: 5}, notes={}, note="", submit=False, version=0, by=juror)
    with pytest.raises(services.JudgingError) as error:  # a second tab still showing version 0
        services.score_save(assignment=assignment, values=marks, notes={}, note="", submit=True, version=0, by=juror)
    assert error.value.code == "stale"
    assert Score.objects.get().items.get().value == 5


def test_a_score_with_a_note_only_is_found_again_and_its_version_kept(edition):
    # A draft with no points yet has no items; its version still guards a second tab.
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    marks = full_marks(panel, entry)
    services.score_save(
        assignment=assignment, values={}, notes={}, note="Смотреть ещё", submit=False, version=0, by=juror
    )
    assert Score.objects.get().version == 1 and not Score.objects.get().items.exists()
    with pytest.raises(services.JudgingError) as error:
        services.score_save(assignment=assignment, values=marks, notes={}, note="", submit=True, version=0, by=juror)
    assert error.value.code == "stale"
    services.score_save(assignment=assignment, values=marks, notes={}, note="", submit=True, version=1, by=juror)
    score = Score.objects.get()
    assert score.version == 2 and score.status == Score.Status.SUBMITTED and score.items.count() == len(marks)
    # With its items now: the next save changes one item.
    first = next(iter(marks))
    services.score_save(
        assignment=assignment, values={**marks, first: 3}, notes={}, note="", submit=True, version=2, by=juror
    )
    assert sorted(score.items.values_list("value", flat=True)) == sorted({**marks, first: 3}.values())


def test_a_save_adds_changes_keeps_and_clears_items_with_one_write_of_the_items(edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    first, second, third, *rest = full_marks(panel, entry)
    services.score_save(
        assignment=assignment, values={first: 4, second: 5, third: 6}, notes={second: "свет"}, note="", submit=False,
        version=0, by=juror,
    )  # fmt: skip
    ids = dict(ScoreItem.objects.values_list("criterion_id", "pk"))
    with CaptureQueriesContext(connection) as queries:
        services.score_save(
            assignment=assignment,
            values={first: 4, second: 9, third: None, **{pk: 2 for pk in rest}},
            notes={first: "", second: "звук"},
            note="",
            submit=False,
            version=1,
            by=juror,
        )
    writes = [q["sql"] for q in queries if '"judging_scoreitem"' in q["sql"] and not q["sql"].startswith("SELECT")]
    # One statement for the new and the changed points, one for the cleared.
    assert len(writes) == 2 and sum(sql.startswith("DELETE") for sql in writes) == 1
    stored = {item.criterion_id: (item.value, item.note, item.pk) for item in ScoreItem.objects.all()}
    assert stored[first] == (4, "", ids[first])  # kept as it was
    assert stored[second] == (9, "звук", ids[second])  # changed where it is
    assert third not in stored  # cleared
    assert all(stored[pk][:2] == (2, "") for pk in rest)  # added
    assert len(stored) == 2 + len(rest)
    assert Score.objects.get().version == 2


def test_score_after_deadline_and_by_another_juror_refused(edition):
    entry = finalists(edition, 1)[0]
    juror, other = factories.juror(), factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    with pytest.raises(services.JudgingError) as error:
        services.score_save(
            assignment=assignment, values=full_marks(panel, entry), notes={}, note="", submit=True, version=0, by=other
        )
    assert error.value.code == "not_yours"
    Panel.objects.filter(pk=panel.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(services.JudgingError) as error:
        services.score_save(
            assignment=assignment, values=full_marks(panel, entry), notes={}, note="", submit=True, version=0, by=juror
        )
    assert error.value.code == "closed" and not Score.objects.exists()


def test_republican_scores_only_in_the_republican_judging_phase(edition):
    from festival.phases import PhaseClosed, phase_closed_message

    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror], deadline_days=90)
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    # The calendar as the edition has it: films are being sent, the republican judging comes later.
    republican = edition.phases.get(kind="republican_judging")
    republican.starts_at = timezone.now() + datetime.timedelta(days=20)
    republican.save(update_fields=["starts_at"])
    with pytest.raises(PhaseClosed) as closed:
        services.score_save(
            assignment=assignment, values=full_marks(panel, entry), notes={}, note="", submit=True, version=0, by=juror
        )
    assert not Score.objects.exists()
    with translation.override("en"):
        assert phase_closed_message(closed.value).startswith("This is not open yet: it opens on ")
    factories.republican_judging_open(edition)
    services.score_save(
        assignment=assignment, values=full_marks(panel, entry), notes={}, note="", submit=True, version=0, by=juror
    )
    assert Score.objects.get().status == Score.Status.SUBMITTED


def test_regional_scores_while_films_are_sent_and_judged_not_after(edition):
    from festival.phases import PhaseClosed

    entry = factories.entry(nomination_code="tv-story")
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    juror = factories.juror()
    services.criteria_default_create(edition=edition)
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REGIONAL,
        region=entry.region,
        name_ru="Жюри Астаны",
        deadline=timezone.now() + datetime.timedelta(days=365),
    )
    panel.nominations.add(entry.nomination)
    PanelMember.objects.create(panel=panel, juror=juror)
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()

    def save(points):
        services.score_save(
            assignment=assignment,
            values=full_marks(panel, entry, points),
            notes={},
            note="",
            submit=False,
            version=Score.objects.filter(assignment=assignment).values_list("version", flat=True).first() or 0,
            by=juror,
        )

    save(5)  # the regional submission is open
    now = timezone.now()
    edition.phases.filter(kind="regional_submission").update(
        starts_at=now - datetime.timedelta(days=10), ends_at=now - datetime.timedelta(days=2)
    )
    edition.phases.filter(kind="regional_judging").update(
        starts_at=now - datetime.timedelta(days=2), ends_at=now + datetime.timedelta(days=1)
    )
    save(6)  # the regional judging is open
    edition.phases.filter(kind="regional_judging").update(ends_at=now - datetime.timedelta(days=1))
    with pytest.raises(PhaseClosed):
        save(7)
    assert set(ScoreItem.objects.values_list("value", flat=True)) == {6}


def test_scoring_page_outside_the_phase_is_read_only_and_names_the_dates(client, edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror], deadline_days=90)
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    edition.phases.filter(kind="republican_judging").update(starts_at=timezone.now() + datetime.timedelta(days=20))
    client.force_login(juror)
    with translation.override("en"):
        url = reverse("judging:score", args=[assignment.pk])
    text = client.get(url).content.decode()
    assert 'data-testid="scoring-phase-closed"' in text and 'data-testid="save-next"' not in text
    assert "it opens on" in text
    data = {"version": 0, "note": "", **{f"c{cid}": 7 for cid in full_marks(panel, entry)}, "action": "submit"}
    response = client.post(url, data, follow=True)
    assert any("it opens on" in str(message) for message in response.context["messages"])
    assert not Score.objects.exists()


def test_score_changes_are_audited_with_before_and_after(edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    services.score_save(
        assignment=assignment, values=full_marks(panel, entry, 6), notes={}, note="", submit=True, version=0, by=juror
    )
    services.score_save(
        assignment=assignment, values=full_marks(panel, entry, 8), notes={}, note="", submit=True, version=1, by=juror
    )
    last = AuditEvent.objects.filter(action="score_submit").first()
    assert set(last.before["items"].values()) == {6} and set(last.after["items"].values()) == {8}
    assert last.actor == juror


def test_scoring_page_is_blind_and_save_and_next_walks_the_list(client, edition):
    entries = finalists(edition, 2)
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    client.force_login(juror)
    first, second = Assignment.objects.order_by("pk")
    page = client.get(reverse("judging:score", args=[first.pk])).content.decode()
    author = entries[0].authors.get().participant
    for secret in (author.last_name, author.first_name, entries[0].school.name, "Астана", "город Астана"):
        assert secret not in page
    assert "0 of 2" in page
    data = {"version": 0, "note": "", **{f"c{cid}": 7 for cid in full_marks(panel, entries[0])}, "action": "next"}
    response = client.post(reverse("judging:score", args=[first.pk]), data)
    assert response.status_code == 302 and response.url == reverse("judging:score", args=[second.pk])
    response = client.post(reverse("judging:score", args=[second.pk]), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("judging:panel", args=[panel.pk])
    assert "2 of 2" in response.content.decode()


def test_a_jurors_page_shows_each_panel_with_their_own_progress(client, edition):
    entries = finalists(edition, 2)
    juror, other = factories.juror(), factories.juror()
    panel = panel_with(edition, [juror, other])
    services.assignments_build(panel=panel)
    mine = Assignment.objects.filter(juror=juror).order_by("pk").first()
    services.score_save(
        assignment=mine, values=full_marks(panel, entries[0]), notes={}, note="", submit=True, version=0, by=juror
    )
    client.force_login(juror)
    page = client.get(reverse("judging:home")).content.decode()
    assert panel.name in page and "1 of 2" in page
    client.force_login(other)
    assert "0 of 2" in client.get(reverse("judging:home")).content.decode()
    # A juror who left the panel no longer sees it.
    PanelMember.objects.filter(panel=panel, juror=juror).update(active=False)
    client.force_login(juror)
    assert panel.name not in client.get(reverse("judging:home")).content.decode()


def test_scoring_page_out_of_scale_message_and_values_kept(client, edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(juror)
    marks = {f"c{cid}": 9 for cid in full_marks(panel, entry)}
    first = next(iter(marks))
    response = client.post(
        reverse("judging:score", args=[assignment.pk]),
        {"version": 0, "note": "", **marks, first: 12, "action": "submit"},
    )
    assert response.status_code == 200 and first in response.context["form"].errors
    assert re.search(r'value="9"', response.content.decode()) and not Score.objects.exists()


def test_scoring_page_stale_save_refused_and_nothing_kept(client, edition):
    # A form from a tab that saw version 3 while nothing was ever saved: the score's row the save makes before it
    # compares versions goes with the refusal.
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(juror)
    marks = {f"c{cid}": 9 for cid in full_marks(panel, entry)}
    response = client.post(
        reverse("judging:score", args=[assignment.pk]), {"version": 3, "note": "", **marks, "action": "submit"}
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] and not Score.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="score_").exists()


def test_scoring_page_save_reads_the_assignment_once(client, edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(juror)
    client.get(reverse("judging:score", args=[assignment.pk]))
    # The page: the assignment with the juror's progress, the entry's films (for the preview of the film in
    # effect), then the stored score.
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("judging:score", args=[assignment.pk]))
    assert page.status_code == 200 and page.context["done"] == 0 and page.context["total"] == 1
    tables = ('FROM "judging_assignment"', 'FROM "judging_score"', 'FROM "submissions_film"')
    assert len([q for q in queries if any(table in q["sql"] for table in tables)]) == 3
    marks = {f"c{cid}": 8 for cid in full_marks(panel, entry)}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("judging:score", args=[assignment.pk]), {"version": 0, "note": "", **marks, "action": "draft"}
        )
    assert response.status_code == 302
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and 'FROM "judging_assignment"' in q["sql"]]
    assert len(reads) == 1
    # The save holds the assignment, its panel and its entry until it commits (SQLite locks the whole database).
    if connection.features.has_select_for_update_of:
        assert reads[0].endswith('FOR UPDATE OF "judging_assignment", "judging_panel", "submissions_entry"')
    assert Score.objects.get().items.count() == len(marks)


def test_scoring_page_plays_the_preview_of_the_film_in_effect(client, edition):
    from submissions.models import Film

    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    services.assignments_build(panel=panel_with(edition, [juror]))
    client.force_login(juror)
    url = reverse("judging:score", args=[Assignment.objects.get().pk])
    assert client.get(url).context["has_preview"] is False  # no film yet
    make = dict(entry=entry, size=10, original_name="f.mp4")
    Film.objects.create(**make, file="films/a.mp4", status=Film.Status.OK, preview="")
    # A replacement being checked has a preview already, but the film that passed stays in effect.
    Film.objects.create(**make, file="films/b.mp4", status=Film.Status.CHECKING, preview="previews/b.mp4")
    assert client.get(url).context["has_preview"] is False
    Film.objects.create(**make, file="films/c.mp4", status=Film.Status.OK, preview="previews/c.mp4")
    assert client.get(url).context["has_preview"] is True


def test_juror_cannot_reach_unassigned_film(client, edition):
    finalists(edition, 1)
    juror, stranger = factories.juror(), factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(stranger)
    for name in ("judging:score", "judging:preview"):
        assert client.get(reverse(name, args=[assignment.pk])).status_code == 404
    assert client.post(reverse("judging:score", args=[assignment.pk]), {"version": 0}).status_code == 404
    assert not Score.objects.exists()
    assert client.get(reverse("judging:panel", args=[panel.pk])).status_code == 403
    assert client.get(reverse("submissions:film_original", args=[assignment.entry_id])).status_code == 404


def test_recusal_then_organizer_dismisses(client, edition):
    finalists(edition, 1)
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    assignment = Assignment.objects.get()
    client.force_login(juror)
    client.post(reverse("judging:recuse", args=[assignment.pk]), {"reason": "Это фильм моей племянницы"})
    assignment.refresh_from_db()
    conflict = Conflict.objects.get()
    assert not assignment.active and conflict.kind == "declared" and conflict.decision == "pending"
    assert client.get(reverse("judging:score", args=[assignment.pk])).status_code == 404
    services.conflict_decide(conflict=conflict, decision=Conflict.Decision.DISMISSED, by=factories.organizer())
    assignment.refresh_from_db()
    assert assignment.active


def test_scoring_page_query_count_does_not_grow(client, edition):
    juror = factories.juror()
    client.force_login(juror)
    counts = []
    for size in (2, 6):
        Panel.objects.all().delete()
        Entry.objects.all().delete()
        finalists(edition, size)
        panel = panel_with(edition, [juror])
        services.assignments_build(panel=panel)
        assignment = Assignment.objects.order_by("pk").first()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("judging:score", args=[assignment.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def submit(panel, juror, entry, points):
    assignment = Assignment.objects.get(panel=panel, juror=juror, entry=entry)
    criteria = selectors.criteria_for(edition=panel.edition, nomination=entry.nomination)
    values = {c.pk: points[i] if isinstance(points, list) else points for i, c in enumerate(criteria)}
    services.score_save(assignment=assignment, values=values, notes={}, note="", submit=True, version=0, by=juror)


def test_results_rank_with_tie_break_and_show_an_unbreakable_tie(client, edition):
    first, second, third = finalists(edition, 3)
    chair, member = factories.juror(), factories.juror()
    panel = panel_with(edition, [chair, member])
    Panel.objects.filter(pk=panel.pk).update(chair=chair, tie_break=[["chair"]])
    panel.refresh_from_db()
    services.assignments_build(panel=panel)
    # Every criterion 0–10, weight 1: a juror's total is 10 × points (7 points everywhere → 70).
    submit(panel, chair, first, 8)  # first: chair 80, member 60 → mean 70
    submit(panel, member, first, 6)
    submit(panel, chair, second, 6)  # second: chair 60, member 80 → mean 70; the chair's rule puts first above
    submit(panel, member, second, 8)
    submit(panel, chair, third, 5)  # third: 50 and 50 → mean 50
    submit(panel, member, third, 5)
    rows = [(row.place, entry.pk, row.tied) for row, entry in services_results(panel)]
    assert rows == [(1, first.pk, False), (2, second.pk, False), (3, third.pk, False)]

    Panel.objects.filter(pk=panel.pk).update(tie_break=[])
    panel.refresh_from_db()
    rows = [(row.place, row.tied) for row, _entry in services_results(panel)]
    assert rows == [(1, True), (1, True), (3, False)]
    client.force_login(factories.organizer())
    page = client.get(reverse("judging:results", args=[panel.pk])).content.decode()
    assert page.count("table-warning") == 2


def services_results(panel):
    [(_panel, rankings)] = selectors.panels_results([panel])
    return rankings[0].rows


def test_results_visible_to_chair_and_organizer_not_to_members(client, edition):
    finalists(edition, 1)
    chair, member = factories.juror(), factories.juror()
    panel = panel_with(edition, [chair, member])
    Panel.objects.filter(pk=panel.pk).update(chair=chair)
    url = reverse("judging:results", args=[panel.pk])
    for user, status in ((chair, 200), (factories.organizer(), 200), (member, 403), (factories.coordinator(), 403)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_awards_lock_publish_and_reopen_with_reason(client, edition):
    from judging.models import Award

    first, second = finalists(edition, 2)
    organizer = factories.organizer()
    services.award_set(entry=first, kind=Award.Kind.PLACE, place=1, by=organizer)
    with pytest.raises(services.JudgingError):
        services.award_set(entry=second, kind=Award.Kind.PLACE, place=4, by=organizer)
    assert client.get(reverse("judging:public")).content.decode().count('data-testid="winner"') == 0
    services.results_lock(edition=edition, by=organizer)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Entry.State.AWARDED, Entry.State.NOT_AWARDED)
    page = client.get(reverse("judging:public")).content.decode()
    assert page.count('data-testid="winner"') == 1 and first.title in page and first.region.name in page
    with pytest.raises(services.JudgingError) as error:
        services.award_set(entry=first, kind=Award.Kind.MENTION, by=organizer)
    assert error.value.code in ("locked", "not_finalist")
    with pytest.raises(services.JudgingError):
        services.results_reopen(edition=edition, by=organizer, reason="  ")
    services.results_reopen(edition=edition, by=organizer, reason="Ошибка в протоколе")
    first.refresh_from_db()
    assert first.state == Entry.State.REPUBLICAN_PARTICIPANT
    event = AuditEvent.objects.filter(action="results_reopen").get()
    assert event.after == {"reason": "Ошибка в протоколе"} and event.actor == organizer


def test_scores_read_only_once_results_locked(edition):
    entry = finalists(edition, 1)[0]
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    services.results_lock(edition=edition, by=factories.organizer())
    with pytest.raises(services.JudgingError) as error:
        services.score_save(
            assignment=Assignment.objects.get(),
            values=full_marks(panel, entry),
            notes={},
            note="",
            submit=True,
            version=0,
            by=juror,
        )
    assert error.value.code == "closed"


def test_reminders_go_to_jurors_with_films_left(edition, django_capture_on_commit_callbacks):
    from django.core import mail

    entry = finalists(edition, 1)[0]
    done, behind = factories.juror(), factories.juror()
    panel = panel_with(edition, [done, behind])
    services.assignments_build(panel=panel)
    submit(panel, done, entry, 7)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(panel=panel, by=factories.organizer()) == 1
    assert [m.to for m in mail.outbox] == [[behind.email]] and "0 of 1" in mail.outbox[0].body


def test_public_poster_only_for_awarded_films_after_lock(client, edition):
    from judging.models import Award

    first, second = finalists(edition, 2)
    factories.checked_film(first)
    organizer = factories.organizer()
    services.award_set(entry=first, kind=Award.Kind.PLACE, place=1, by=organizer)
    assert client.get(reverse("judging:public_poster", args=[first.pk])).status_code == 404
    services.results_lock(edition=edition, by=organizer)
    assert client.get(reverse("judging:public_poster", args=[second.pk])).status_code == 404


def test_results_rank_within_age_groups(edition):
    young, older = finalists(edition, 2)
    Entry.objects.filter(pk=young.pk).update(age_group=edition.age_groups.get(min_age=6))
    Entry.objects.filter(pk=older.pk).update(age_group=edition.age_groups.get(min_age=11))
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    submit(panel, juror, young, 4)
    submit(panel, juror, older, 9)
    [(_panel, rankings)] = selectors.panels_results([panel])
    assert [(r.age_group.min_age, [(row.place, e.pk) for row, e in r.rows]) for r in rankings] == [
        (6, [(1, young.pk)]),
        (11, [(1, older.pk)]),
    ]


def test_results_score_a_nomination_by_its_own_criteria_else_by_the_general_ones(edition):
    services.criteria_default_create(edition=edition)
    best = edition.nominations.get(code="best-film")
    Criterion.objects.create(
        edition=edition, nomination=best, code="overall", name_kk="Жалпы", name_ru="Общее", name_en="Overall",
        maximum=100,
    )  # fmt: skip
    panel = judged_panel(edition, ["tv-story", "best-film"], juror=factories.juror())
    other = judged_panel(edition, ["social"], juror=factories.juror())
    together = selectors.panels_results(Panel.objects.filter(pk__in=[panel.pk, other.pk]).order_by("pk"))
    general = [c.code for c in Criterion.objects.filter(nomination=None).order_by("order", "code")]
    assert [
        (p.pk, r.nomination.code, r.age_group.min_age, [c.code for c in r.criteria], len(r.rows))
        for p, rankings in together
        for r in rankings
    ] == [
        (panel.pk, "best-film", 6, ["overall"], 1),
        (panel.pk, "best-film", 11, ["overall"], 1),
        (panel.pk, "tv-story", 6, general, 1),
        (panel.pk, "tv-story", 11, general, 1),
        (other.pk, "social", 6, general, 1),
        (other.pk, "social", 11, general, 1),
    ]

    # Panels read together rank as each read alone.
    def ranked(results):
        return [
            [(row.place, row.score, entry.pk) for row, entry in r.rows] for _p, rankings in results for r in rankings
        ]

    alone = selectors.panels_results([panel]) + selectors.panels_results([other])
    assert ranked(together) == ranked(alone)


def test_coordinator_sees_regional_panel_ranking_of_own_region_only(client, edition):
    services.criteria_default_create(edition=edition)
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REGIONAL,
        region=factories.region("astana"),
        name_ru="Жюри Астаны",
        deadline=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(factories.coordinator("astana"))
    page = client.get(reverse("judging:region_panels", args=["astana"])).content.decode()
    assert "Жюри Астаны" in page
    assert client.get(reverse("judging:results", args=[panel.pk])).status_code == 200
    client.force_login(factories.coordinator("shymkent"))
    assert client.get(reverse("judging:region_panels", args=["astana"])).status_code == 403
    assert client.get(reverse("judging:results", args=[panel.pk])).status_code == 403


def test_shown_films_play_on_the_public_page_after_lock(client, edition, tmp_path):
    from tests.test_entries_review import upload_file
    from tests.videos import mp4

    entry = finalists(edition, 1)[0]
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.DRAFT)
    upload_file(Entry.objects.get(pk=entry.pk), mp4(tmp_path, "shown.mp4"))
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    organizer = factories.organizer()
    services.showcase_set(entry=entry, shown=True, by=organizer)
    url = reverse("judging:public_film", args=[entry.pk])
    assert client.get(url).status_code == 404  # not before the results are public
    services.results_lock(edition=edition, by=organizer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    page = client.get(reverse("judging:public")).content.decode()
    assert 'data-testid="shown-film"' in page and entry.title in page
    with pytest.raises(services.JudgingError):
        services.showcase_set(entry=entry, shown=False, by=organizer)


def test_coordinator_picks_finalist_from_the_regional_ranking(client, edition):
    from festival.models import Phase

    now = timezone.now()
    edition.phases.filter(kind=Phase.Kind.REGIONAL_JUDGING).update(
        starts_at=now - datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=1)
    )
    entries = [factories.entry(title=f"Фильм {i}") for i in range(2)]
    Entry.objects.filter(pk__in=[e.pk for e in entries]).update(state=Entry.State.ACCEPTED)
    services.criteria_default_create(edition=edition)
    juror = factories.juror()
    panel = Panel.objects.create(
        edition=edition,
        stage=Panel.Stage.REGIONAL,
        region=factories.region("astana"),
        name_ru="Жюри Астаны",
        deadline=now + datetime.timedelta(days=3),
    )
    panel.nominations.add(edition.nominations.get(code="tv-story"))
    PanelMember.objects.create(panel=panel, juror=juror)
    services.assignments_build(panel=panel)
    for points, entry in zip((9, 5), entries, strict=True):
        submit(panel, juror, Entry.objects.get(pk=entry.pk), points)
    url = reverse("judging:results", args=[panel.pk])
    client.force_login(factories.coordinator("astana"))
    client.post(url, {"entry": entries[0].pk})
    response = client.post(url, {"entry": entries[1].pk}, follow=True)  # the quota of 1 is full
    assert list(Entry.objects.order_by("pk").values_list("state", flat=True)) == ["regional_finalist", "accepted"]
    assert "quota" in response.content.decode().lower()
    client.force_login(juror)
    assert client.post(url, {"entry": entries[1].pk}).status_code == 403


def test_grand_prix_only_in_best_film_and_only_once(edition):
    from judging.models import Award

    organizer = factories.organizer()
    story = finalists(edition, 1)[0]
    best_one, best_two = finalists(edition, 2, nomination="best-film")
    with pytest.raises(services.JudgingError) as error:
        services.award_set(entry=story, kind=Award.Kind.GRAND_PRIX, by=organizer)
    assert error.value.code == "grand_prix_nomination"
    services.award_set(entry=best_one, kind=Award.Kind.GRAND_PRIX, by=organizer)
    with pytest.raises(services.JudgingError) as error:
        services.award_set(entry=best_two, kind=Award.Kind.GRAND_PRIX, by=organizer)
    assert error.value.code == "grand_prix_taken"


# Committed, as in production: the published part is kept in the cache under the lock's last change.
@pytest.mark.django_db(transaction=True)
def test_public_results_follow_a_reopened_and_locked_again_edition(client, edition):
    from judging.models import Award

    first, second = finalists(edition, 2)
    organizer = factories.organizer()
    services.award_set(entry=first, kind=Award.Kind.PLACE, place=1, by=organizer)
    services.results_lock(edition=edition, by=organizer)
    queries = []
    for _ in range(2):  # the second time from the cache
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/en/results/").content.decode()
        queries.append(len(captured))
        assert page.count('data-testid="winner"') == 1 and first.title in page and second.title not in page
    assert queries[1] < queries[0]
    assert first.title in client.get("/kk/results/").content.decode()
    services.results_reopen(edition=edition, by=organizer, reason="Ещё одно призовое место")
    services.award_set(entry=second, kind=Award.Kind.PLACE, place=2, by=organizer)
    services.results_lock(edition=edition, by=organizer)
    page = client.get("/en/results/").content.decode()
    assert page.count('data-testid="winner"') == 2 and second.title in page


def test_the_panel_lists_each_film_with_its_score_badge_escaped_in_the_jurors_language(client, edition):
    entries = finalists(edition, 3)
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    services.assignments_build(panel=panel)
    submitted, draft, unscored = Assignment.objects.order_by("pk")
    Entry.objects.filter(pk=unscored.entry_id).update(title="<b>Фильм</b> & co")
    services.score_save(
        assignment=submitted, values=full_marks(panel, entries[0]), notes={}, note="", submit=True, version=0, by=juror
    )
    services.score_save(assignment=draft, values={}, notes={}, note="", submit=False, version=0, by=juror)
    client.force_login(juror)
    by_language = {}
    for language in ("ru", "kk", "en"):
        page = client.get(f"/{language}/jury/panels/{panel.pk}/").content.decode()
        rows = re.findall(r'<a class="list-group-item[^"]*" href="([^"]+)">(.*?)</a>', page, re.S)
        assert [href for href, _row in rows] == [
            reverse("judging:score", args=[a.pk]) for a in (submitted, draft, unscored)
        ]
        badges = [re.search(r'class="badge ([^"]+)">([^<]+)<', row).groups() for _href, row in rows]
        assert [kind for kind, _label in badges] == ["text-bg-success", "text-bg-warning", "text-bg-light border"]
        by_language[language] = [label for _kind, label in badges]
        assert "&lt;b&gt;Фильм&lt;/b&gt; &amp; co" in rows[2][1] and "<b>" not in rows[2][1]
        assert entries[0].nomination.name_ru in page or language != "ru"
    assert by_language["en"] == ["Submitted", "Draft", "Not scored"]
    assert by_language["ru"] != by_language["en"] and by_language["kk"] != by_language["en"]
    assert by_language["ru"] != by_language["kk"]


# ---------------------------------------------------------------- query counts: one row and three, the same


def test_a_jurors_page_of_panels_query_count_does_not_grow(client, edition):
    finalists(edition, 2)
    juror = factories.juror()
    client.force_login(juror)

    def grow(count):
        for _ in range(count):
            services.assignments_build(panel=panel_with(edition, [juror, factories.juror()]))

    grow(1)
    one, _page = page_queries(client, reverse("judging:home"))
    grow(2)
    three, page = page_queries(client, reverse("judging:home"))
    assert page.content.decode().count('data-testid="jury-panel"') == 3
    assert len(three) == len(one)


def test_a_panels_list_of_films_query_count_does_not_grow(client, edition):
    juror = factories.juror()
    panel = panel_with(edition, [juror])
    client.force_login(juror)
    url = reverse("judging:panel", args=[panel.pk])
    entries = finalists(edition, 1)
    services.assignments_build(panel=panel)
    services.score_save(
        assignment=Assignment.objects.get(), values=full_marks(panel, entries[0]), notes={}, note="", submit=True,
        version=0, by=juror,
    )  # fmt: skip
    one, _page = page_queries(client, url)
    finalists(edition, 2)
    services.assignments_build(panel=panel)
    three, page = page_queries(client, url)
    assert page.context["done"] == 1 and page.context["total"] == 3
    assert len(three) == len(one)


def test_the_organizers_panels_query_count_does_not_grow(client, edition):
    finalists(edition, 2)
    client.force_login(factories.organizer())

    def grow(count):
        for _ in range(count):
            services.assignments_build(panel=panel_with(edition, [factories.juror(), factories.juror()]))

    grow(1)
    one, _page = page_queries(client, reverse("judging:organizer_panels"))
    grow(2)
    three, page = page_queries(client, reverse("judging:organizer_panels"))
    assert len(page.context["rows"]) == 3
    assert all(len(row["progress"]) == 2 for row in page.context["rows"])
    assert len(three) == len(one)


def judged_panel(edition, nominations, *, juror, stage=Panel.Stage.REPUBLICAN, region=None):
    """A panel of `juror` judging the nominations (codes): in each a younger and an older film, both scored by
    the juror and submitted, so that each nomination ranks two age groups."""
    services.criteria_default_create(edition=edition)
    panel = Panel.objects.create(
        edition=edition,
        stage=stage,
        region=region,
        name_ru="Жюри",
        deadline=timezone.now() + datetime.timedelta(days=5),
    )
    if stage == Panel.Stage.REPUBLICAN:
        factories.republican_judging_open(edition)
    panel.nominations.add(*edition.nominations.filter(code__in=nominations))
    PanelMember.objects.create(panel=panel, juror=juror)
    add_judged_films(panel, nominations, juror=juror)
    return panel


def add_judged_films(panel, nominations, *, juror):
    edition = panel.edition
    panel.nominations.add(*edition.nominations.filter(code__in=nominations))
    for code in nominations:
        for entry, age in zip(finalists(edition, 2, nomination=code), (6, 11), strict=True):
            Entry.objects.filter(pk=entry.pk).update(age_group=edition.age_groups.get(min_age=age))
    services.assignments_build(panel=panel)
    for assignment in Assignment.objects.filter(panel=panel, score__isnull=True).select_related("entry__nomination"):
        submit(panel, juror, assignment.entry, 7)


THREE_NOMINATIONS = ["tv-story", "social", "newsreel"]


def test_the_organizers_results_query_count_does_not_grow(client, edition):
    client.force_login(factories.organizer())
    url = reverse("judging:organizer_results")
    judged_panel(edition, THREE_NOMINATIONS[:1], juror=factories.juror())
    one, _page = page_queries(client, url)
    for code in THREE_NOMINATIONS[1:]:
        judged_panel(edition, [code], juror=factories.juror())
    three, page = page_queries(client, url)
    assert len(page.context["rankings"]) == 3 * 2  # three panels, two age groups each
    assert page.content.decode().count('data-testid="award-') == 3 * 2
    assert len(three) == len(one)


def test_a_panels_results_query_count_does_not_grow(client, edition):
    juror = factories.juror()
    panel = judged_panel(edition, THREE_NOMINATIONS[:1], juror=juror)
    client.force_login(factories.organizer())
    url = reverse("judging:results", args=[panel.pk])
    one, _page = page_queries(client, url)
    add_judged_films(panel, THREE_NOMINATIONS[1:], juror=juror)
    three, page = page_queries(client, url)
    assert [len(ranking.rows) for ranking in page.context["rankings"]] == [1] * 3 * 2
    assert page.content.decode().count('data-testid="ranking"') == 3 * 2
    assert len(three) == len(one)


def test_a_regions_panels_query_count_does_not_grow(client, edition):
    client.force_login(factories.coordinator("astana"))
    url = reverse("judging:region_panels", args=["astana"])

    def grow(count):
        for _ in range(count):
            panel = judged_panel(
                edition, ["tv-story"], juror=factories.juror(), stage=Panel.Stage.REGIONAL, region=factories.region()
            )
            PanelMember.objects.create(panel=panel, juror=factories.juror())

    grow(1)
    one, _page = page_queries(client, url)
    grow(2)
    three, page = page_queries(client, url)
    assert page.content.decode().count('data-testid="panel-ranking"') == 3
    assert len(three) == len(one)


def test_the_public_results_query_count_does_not_grow(client, edition):
    from judging.models import Award

    organizer = factories.organizer()

    def grow(count):
        if selectors.results_locked(edition):
            services.results_reopen(edition=edition, by=organizer, reason="Ещё призы")
        for entry in finalists(edition, count):
            factories.checked_film(entry)
            services.award_set(entry=entry, kind=Award.Kind.MENTION, by=organizer)
            services.showcase_set(entry=entry, shown=True, by=organizer)
        services.results_lock(edition=edition, by=organizer)  # a new lock: the page is not read from the cache

    grow(1)
    one, _page = page_queries(client, reverse("judging:public"))
    grow(2)
    three, page = page_queries(client, reverse("judging:public"))
    body = page.content.decode()
    assert body.count('data-testid="winner"') == 3 and body.count('data-testid="shown-film"') == 3
    assert len(three) == len(one)
