"""Operations of the jury: building assignments around conflicts of interest, reassigning when a juror
drops out, saving scores, recusals. Each writes an audit record."""

from collections import Counter

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from festival.edition_cache import current_edition
from festival.prepared import Prepared
from submissions.models import Entry
from submissions.selectors import film_in_effect, with_edition_parts

from .models import (
    Assignment,
    AuditEvent,
    Award,
    Conflict,
    Criterion,
    Panel,
    PanelMember,
    ResultsLock,
    Score,
    ScoreItem,
    Showcase,
)

DEFAULT_CRITERIA = [
    ("idea", "Идея және сценарий", "Идея и сценарий", "Idea and script"),
    ("directing", "Режиссура", "Режиссура", "Directing"),
    ("camera", "Операторлық жұмыс", "Операторская работа", "Camera work"),
    ("editing", "Монтаж", "Монтаж", "Editing"),
    ("sound", "Дыбыс және музыка", "Звук и музыка", "Sound and music"),
    ("acting", "Актерлік шеберлік", "Актёрская игра", "Acting"),
    ("originality", "Өзіндік ерекшелік", "Оригинальность", "Originality"),
]


GRAND_PRIX_NOMINATION = "best-film"


class JudgingError(Exception):
    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def audit(*, actor, action, subject, panel=None, before=None, after=None):
    return AuditEvent.objects.create(
        actor=actor, action=action, subject=subject, panel=panel, before=before, after=after
    )


def criteria_default_create(*, edition):
    """The seven criteria of the festival's rules, each 0–10 with weight 1, for every nomination."""
    for order, (code, kk, ru, en) in enumerate(DEFAULT_CRITERIA):
        Criterion.objects.get_or_create(
            edition=edition,
            nomination=None,
            code=code,
            defaults={"name_kk": kk, "name_ru": ru, "name_en": en, "order": order},
        )


def criteria_for(*, edition, nomination):
    """A nomination's own criteria if it has any, else the edition's general ones."""
    return pick_criteria(
        Criterion.objects.filter(Q(nomination=nomination) | Q(nomination__isnull=True), edition=edition), nomination
    )


def pick_criteria(criteria, nomination):
    """Of an edition's `criteria`, the nomination's own if it has any, else the general ones."""
    both = [c for c in criteria if c.nomination_id is None or c.nomination_id == nomination.pk]
    own = [c for c in both if c.nomination_id is not None]
    return own or both


def panel_entries(panel):
    """The entries a panel judges: at the regional stage those its coordinator accepted, at the republican
    stage the regions' finalists in the panel's nominations."""
    entries = Entry.objects.filter(edition=panel.edition, nomination__in=panel.nominations.all())
    if panel.stage == Panel.Stage.REGIONAL:
        return entries.filter(region=panel.region, state__in=[Entry.State.ACCEPTED, Entry.State.REGIONAL_FINALIST])
    return entries.filter(state__in=[Entry.State.REPUBLICAN_PARTICIPANT, Entry.State.AWARDED, Entry.State.NOT_AWARDED])


def rule_conflict(panel, juror, entry):
    """The conflict the rules see, or None: a juror never judges their own school, nor — at the republican
    stage — their own region."""
    if juror.school_id and juror.school_id == entry.school_id:
        return Conflict.Kind.SCHOOL
    if panel.stage == Panel.Stage.REPUBLICAN and juror.region_id and juror.region_id == entry.region_id:
        return Conflict.Kind.REGION
    return None


def _blocked(panel):
    """(juror id, entry id) pairs a juror must not get: rule conflicts are recorded as they are found;
    declared ones count unless the organizer dismissed them."""
    return set(
        Conflict.objects.filter(panel=panel)
        .exclude(decision=Conflict.Decision.DISMISSED)
        .values_list("juror_id", "entry_id")
    )


@transaction.atomic
def assignments_build(*, panel, by=None):
    """Give the panel's entries to its active members: all to all, or `jurors_per_entry` each, spread
    evenly by current load. Idempotent: existing assignments stay; run it again after new entries arrive.

    Side effects: Assignment rows; Conflict rows for the rule conflicts found; an audit record.
    Returns the number of assignments created.
    """
    Panel.objects.select_for_update().get(pk=panel.pk)
    members = [m.juror for m in PanelMember.objects.filter(panel=panel, active=True).select_related("juror")]
    entries = list(panel_entries(panel).select_related("school", "region"))
    for entry in entries:
        for juror in members:
            kind = rule_conflict(panel, juror, entry)
            if kind:
                Conflict.objects.get_or_create(
                    panel=panel, juror=juror, entry=entry, defaults={"kind": kind, "decision": Conflict.Decision.UPHELD}
                )
    blocked = _blocked(panel)
    existing = Assignment.objects.filter(panel=panel, active=True)
    have = {(a.juror_id, a.entry_id) for a in existing}
    load = Counter(a.juror_id for a in existing)
    per_entry = Counter(a.entry_id for a in existing)
    created = []
    for entry in entries:
        eligible = [j for j in members if (j.pk, entry.pk) not in blocked and (j.pk, entry.pk) not in have]
        if panel.assigning == Panel.Assigning.ALL:
            chosen = eligible
        else:
            missing = max(panel.jurors_per_entry - per_entry[entry.pk], 0)
            chosen = sorted(eligible, key=lambda j: (load[j.pk], j.pk))[:missing]
        for juror in chosen:
            created.append(Assignment(panel=panel, juror=juror, entry=entry))
            load[juror.pk] += 1
            per_entry[entry.pk] += 1
    # An assignment made inactive earlier (recusal dismissed, juror back) is reactivated, not duplicated.
    for assignment in created:
        Assignment.objects.update_or_create(
            panel=panel, juror=assignment.juror, entry=assignment.entry, defaults={"active": True}
        )
    audit(
        actor=by, action="assignments_build", subject=f"panel {panel.pk}", panel=panel, after={"created": len(created)}
    )
    return len(created)


@transaction.atomic
def juror_drop(*, panel, juror, by):
    """A juror leaves the panel. Their submitted scores stay and count; what they had not submitted goes
    to the other members. Side effects: PanelMember inactive, assignments moved, an audit record."""
    PanelMember.objects.filter(panel=panel, juror=juror).update(active=False)
    open_ones = Assignment.objects.filter(panel=panel, juror=juror, active=True).exclude(
        score__status=Score.Status.SUBMITTED
    )
    moved = open_ones.count()
    open_ones.update(active=False)
    audit(actor=by, action="juror_drop", subject=f"juror {juror.pk}", panel=panel, after={"released": moved})
    return assignments_build(panel=panel, by=by)


def with_edition(assignment):
    """`assignment` with its panel's edition and its entry's nomination and age group from the cached current
    edition, not from joins; those of an earlier edition are read when they are used."""
    with_edition_parts(assignment.entry)
    edition = current_edition()
    if edition is not None and assignment.panel.edition_id == edition.pk:
        assignment.panel.edition = edition
    return assignment


def assignment_editable(assignment, now=None, *, locked=None):
    """Whether the juror can still change the score; `locked`: whether the results are locked, if known."""
    now = now or timezone.now()
    if not (assignment.active and now < assignment.panel.deadline):
        return False
    return not (results_locked(assignment.panel.edition) if locked is None else locked)


def _locked(**lookups):
    return (
        Assignment.objects.select_for_update(of=("self", "panel", "entry"))
        .select_related("panel", "entry")
        .filter(**lookups)
    )


# A save reads its assignment first, on every save: the query is compiled once (festival.prepared).
_LOCKED = Prepared(lambda pk: _locked(pk=pk), pk=int)
_LOCKED_OWN = Prepared(lambda pk, juror: _locked(pk=pk, juror_id=juror), pk=int, juror=int)


def assignment_for_update(pk, *, juror=None):
    """The assignment with its panel and entry (with_edition), locked, all three, until the transaction ends:
    what a score's save reads first. `juror`: only theirs (anybody else's locks nothing). Raises
    Assignment.DoesNotExist."""
    pk = _key(pk)
    if juror is None:
        return with_edition(_LOCKED.get(pk=pk))
    return with_edition(_LOCKED_OWN.get(pk=pk, juror=juror.pk))


def _key(value):
    """A primary key as the int a prepared query takes: a URL's number, or not found."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Assignment.DoesNotExist from None


@transaction.atomic
def score_save(*, assignment, values, notes, note, submit, version, by):
    """Save a juror's points for an entry, as a draft or submitted.

    `values`: {criterion id: points}; `notes`: {criterion id: text}. Refuses (JudgingError) after the
    panel's deadline, on an assignment that is not the juror's or no longer active, on points outside the
    scale, on a missing criterion when submitting, and on a stale form (`version` older than the stored
    one: another tab saved meanwhile). Side effects: Score and ScoreItem rows; an audit record with the
    values before and after.
    """
    return score_save_locked(
        assignment=assignment_for_update(assignment.pk), values=values, notes=notes, note=note, submit=submit,
        version=version, by=by,
    )  # fmt: skip


# A save's one read of its score with the score's items, compiled once (festival.prepared). No row lock of its
# own: every write of a score or its items is score_save_locked's, under the assignment's lock, which the
# caller took first (assignment_for_update); two saves of one score wait for each other there.
_SCORE_WITH_ITEMS = Prepared(
    lambda assignment: ScoreItem.objects.select_related("score").filter(score__assignment_id=assignment),
    assignment=int,
)


def score_save_locked(*, assignment, values, notes, note, submit, version, by):
    """score_save in the caller's transaction, `assignment` from assignment_for_update in it (the scoring
    page's save reads the assignment once). On a JudgingError the caller rolls its transaction back
    (transaction.set_rollback): a refusal may come after the score's row was made."""
    if assignment.juror_id != by.pk:
        raise JudgingError("not_yours")
    # The lock and the criteria from the edition's copy (judging/setup_cache.py): never older than the last
    # change that committed, as a read of the rows would be (neither takes a lock on them).
    from . import setup_cache

    edition = assignment.panel.edition
    if not assignment_editable(assignment, locked=setup_cache.locked_results(edition) is not None):
        raise JudgingError("closed")
    criteria = {c.pk: c for c in setup_cache.criteria_for(edition=edition, nomination=assignment.entry.nomination)}
    for criterion_id, value in values.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise JudgingError("unknown_criterion")
        if value is not None and not 0 <= value <= criterion.maximum:
            raise JudgingError("out_of_scale", name=criterion.name, maximum=criterion.maximum)
    if submit and any(values.get(cid) is None for cid in criteria):
        raise JudgingError("incomplete")
    # Nearly every save finds its score's row (made by the first save or draft) with its items, in one read;
    # a score with no items yet, or none at all, is read (or made) on its own.
    found = _SCORE_WITH_ITEMS.all(assignment=assignment.pk)
    score = found[0].score if found else Score.objects.get_or_create(assignment=assignment)[0]
    if version != score.version:
        raise JudgingError("stale")
    # Its items are written in one statement per kind of change.
    items = {item.criterion_id: item for item in found}
    before = _score_state(score, items)
    added, changed = [], []
    for criterion_id, value in values.items():
        if value is None:
            continue
        text = notes.get(criterion_id, "")[:1000]
        item = items.get(criterion_id)
        if item is None:
            items[criterion_id] = item = ScoreItem(score=score, criterion_id=criterion_id, value=value, note=text)
            added.append(item)
        elif (item.value, item.note) != (value, text):
            item.value, item.note = value, text
            changed.append(item)
    cleared = [criterion_id for criterion_id, value in values.items() if value is None and criterion_id in items]
    if cleared:
        ScoreItem.objects.filter(score=score, criterion_id__in=cleared).delete()
        for criterion_id in cleared:
            del items[criterion_id]
    # New and changed points in one statement, an INSERT that updates the rows already there (the items' own
    # unique constraint): bulk_update's CASE expressions took more of a save's time than all the rest of it.
    written = added + [ScoreItem(score=score, criterion_id=i.criterion_id, value=i.value, note=i.note) for i in changed]
    if written:
        ScoreItem.objects.bulk_create(
            written, update_conflicts=True, unique_fields=["score", "criterion"], update_fields=["value", "note"]
        )
    score.note = note[:3000]
    score.version += 1
    if submit:
        score.status, score.submitted_at = Score.Status.SUBMITTED, timezone.now()
    score.save()
    audit(
        actor=by,
        action="score_submit" if submit else "score_save",
        subject=f"assignment {assignment.pk}",
        panel=assignment.panel,
        before=before,
        after=_score_state(score, items),
    )
    return score


def _score_state(score, items):
    return {
        "status": score.status,
        "items": {str(criterion_id): item.value for criterion_id, item in items.items()},
        "note": score.note,
    }


@transaction.atomic
def recuse(*, assignment, reason, by):
    """A juror declares a conflict: the entry leaves their list at once; the organizer decides.
    Side effects: a Conflict (declared, pending), the assignment inactive, an audit record."""
    if assignment.juror_id != by.pk:
        raise JudgingError("not_yours")
    Conflict.objects.update_or_create(
        panel=assignment.panel,
        juror=by,
        entry=assignment.entry,
        defaults={"kind": Conflict.Kind.DECLARED, "reason": reason.strip(), "decision": Conflict.Decision.PENDING},
    )
    Assignment.objects.filter(pk=assignment.pk).update(active=False)
    audit(
        actor=by,
        action="recuse",
        subject=f"assignment {assignment.pk}",
        panel=assignment.panel,
        after={"reason": reason.strip()},
    )


@transaction.atomic
def conflict_decide(*, conflict, decision, by):
    """The organizer's word on a declared conflict. Upheld: the entry goes to another member if the panel
    assigns per entry. Dismissed: the juror gets the entry back. Side effects: Conflict, assignments, audit."""
    before = conflict.decision
    conflict.decision, conflict.decided_by = decision, by
    conflict.save(update_fields=["decision", "decided_by"])
    if decision == Conflict.Decision.DISMISSED:
        Assignment.objects.filter(panel=conflict.panel, juror=conflict.juror, entry=conflict.entry).update(active=True)
    audit(
        actor=by,
        action="conflict_decide",
        subject=f"conflict {conflict.pk}",
        panel=conflict.panel,
        before={"decision": before},
        after={"decision": decision},
    )
    assignments_build(panel=conflict.panel, by=by)


def _juror_panels(juror):
    own = Assignment.objects.filter(panel=OuterRef("pk"), juror_id=juror, active=True)
    return (
        Panel.objects.filter(members__juror_id=juror, members__active=True)
        .select_related("edition")
        .annotate(
            **{
                name: Coalesce(Subquery(own.values("juror").annotate(n=count).values("n")), 0)
                for name, count in _PROGRESS.items()
            }
        )
    )


def juror_panels(juror):
    """The panels `juror` is an active member of, with the edition, each with `submitted` and `assigned`
    (juror_progress): one query, compiled once (a juror's page of panels reads it on every visit)."""
    return _JUROR_PANELS.all(juror=juror.pk)


def juror_progress(*, panel, juror):
    """(submitted, assigned) for the juror's active assignments in the panel."""
    counts = Assignment.objects.filter(panel=panel, juror=juror, active=True).aggregate(**_PROGRESS)
    return counts["submitted"], counts["assigned"]


_PROGRESS = {"submitted": Count("pk", filter=Q(score__status=Score.Status.SUBMITTED)), "assigned": Count("pk")}
_JUROR_PANELS = Prepared(_juror_panels, juror=int)


def _for_page(pk, juror):
    return (
        with_juror_progress(Assignment.objects.select_related("panel", "entry"))
        .annotate(preview=film_in_effect(OuterRef("entry_id"), "preview"))
        .filter(pk=pk, juror_id=juror)
    )


# The scoring page's one read of its assignment, compiled once (festival.prepared).
_FOR_PAGE = Prepared(_for_page, pk=int, juror=int)


def assignment_for_page(pk, *, juror):
    """The juror's assignment with its panel and entry (with_edition) and what its scoring page shows, in one
    query: `preview` (the film in effect's preview, Entry.film's rule) and the juror's progress in the panel,
    `submitted` and `assigned` (juror_progress). Raises Assignment.DoesNotExist, also for anybody else's."""
    return with_edition(_FOR_PAGE.get(pk=_key(pk), juror=juror.pk))


def with_juror_progress(assignments):
    """`assignments` annotated with `submitted` and `assigned`: juror_progress of each one's juror and panel,
    read in the same query."""
    own = Assignment.objects.filter(panel=OuterRef("panel"), juror=OuterRef("juror"), active=True)
    return assignments.annotate(
        **{
            name: Coalesce(Subquery(own.values("juror").annotate(n=count).values("n")), 0)
            for name, count in _PROGRESS.items()
        }
    )


def next_unscored(*, panel, juror, after=None):
    """The juror's next assignment without a submitted score, after `after` in their list, wrapping round."""
    pending = (
        Assignment.objects.filter(panel=panel, juror=juror, active=True)
        .exclude(score__status=Score.Status.SUBMITTED)
        .order_by("pk")
    )
    if after is not None:
        later = pending.filter(pk__gt=after.pk).first()
        if later:
            return later
    return pending.exclude(Q(pk=after.pk) if after else Q()).first()


# ---------------------------------------------------------------- decisions and the lock


def results_locked(edition):
    return ResultsLock.objects.filter(edition=edition, locked=True).exists()


@transaction.atomic
def award_set(*, entry, kind, place=None, note="", by):
    """The organizer's decision for a republican-stage entry; `kind` None removes it.

    Refused (JudgingError) while the results are locked or for an entry outside the republican stage.
    Side effects: the Award row (created, changed or removed); an audit record with before and after.
    """
    from submissions.models import Entry as EntryModel

    entry = EntryModel.objects.select_for_update().get(pk=entry.pk)
    if results_locked(entry.edition):
        raise JudgingError("locked")
    if entry.state != EntryModel.State.REPUBLICAN_PARTICIPANT:
        raise JudgingError("not_finalist")
    if kind == Award.Kind.PLACE and place not in (1, 2, 3):
        raise JudgingError("place")
    if kind == Award.Kind.GRAND_PRIX:
        # The grand prix is the «Лучший фильм» nomination's award, and there is one per edition.
        if entry.nomination.code != GRAND_PRIX_NOMINATION:
            raise JudgingError("grand_prix_nomination")
        if Award.objects.filter(entry__edition=entry.edition, kind=Award.Kind.GRAND_PRIX).exclude(entry=entry).exists():
            raise JudgingError("grand_prix_taken")
    current = Award.objects.filter(entry=entry).first()
    before = {"kind": current.kind, "place": current.place, "note": current.note} if current else None
    if kind is None:
        Award.objects.filter(entry=entry).delete()
        after = None
    else:
        Award.objects.update_or_create(
            entry=entry,
            defaults={
                "kind": kind,
                "place": place if kind == Award.Kind.PLACE else None,
                "note": note.strip()[:300],
                "decided_by": by,
            },
        )
        after = {"kind": kind, "place": place, "note": note.strip()[:300]}
    audit(actor=by, action="award", subject=f"entry {entry.pk}", before=before, after=after)


@transaction.atomic
def results_lock(*, edition, by):
    """Lock the edition's results: scores and awards stop changing, the results page goes public, and the
    entries take their outcome (winner or participant). Side effects: ResultsLock, entry states, audit."""
    from submissions.models import Entry as EntryModel

    lock, _created = ResultsLock.objects.select_for_update().get_or_create(edition=edition, defaults={"changed_by": by})
    if lock.locked and not _created:
        raise JudgingError("locked")
    finalists = EntryModel.objects.filter(edition=edition, state=EntryModel.State.REPUBLICAN_PARTICIPANT)
    awarded = set(Award.objects.filter(entry__edition=edition).values_list("entry_id", flat=True))
    finalists.filter(pk__in=awarded).update(state=EntryModel.State.AWARDED)
    finalists.exclude(pk__in=awarded).update(state=EntryModel.State.NOT_AWARDED)
    lock.locked, lock.changed_by = True, by
    lock.save()
    audit(actor=by, action="results_lock", subject=f"edition {edition.year}", after={"awards": len(awarded)})


@transaction.atomic
def results_reopen(*, edition, by, reason):
    """Reopen locked results: only with a reason, which the audit trail keeps. Side effects: ResultsLock,
    the entries back in the republican stage, audit."""
    from submissions.models import Entry as EntryModel

    reason = reason.strip()
    if not reason:
        raise JudgingError("reason")
    lock = ResultsLock.objects.select_for_update().filter(edition=edition, locked=True).first()
    if lock is None:
        raise JudgingError("not_locked")
    EntryModel.objects.filter(
        edition=edition, state__in=[EntryModel.State.AWARDED, EntryModel.State.NOT_AWARDED]
    ).update(state=EntryModel.State.REPUBLICAN_PARTICIPANT)
    lock.locked, lock.changed_by = False, by
    lock.save()
    audit(actor=by, action="results_reopen", subject=f"edition {edition.year}", after={"reason": reason})


@transaction.atomic
def showcase_set(*, entry, shown, by):
    """Show (or stop showing) a film on the public results page. Side effects: a Showcase row; audit."""
    if results_locked(entry.edition):
        raise JudgingError("locked")
    if shown:
        Showcase.objects.get_or_create(entry=entry, defaults={"added_by": by})
    else:
        Showcase.objects.filter(entry=entry).delete()
    audit(actor=by, action="showcase", subject=f"entry {entry.pk}", after={"shown": shown})


def panel_progress(panel):
    """Per active member: (juror, submitted, assigned), for the organizer's and the chair's view."""
    rows = []
    for member in PanelMember.objects.filter(panel=panel, active=True).select_related("juror"):
        done, total = juror_progress(panel=panel, juror=member.juror)
        rows.append((member.juror, done, total))
    return rows


def reminders_send(*, panel, by):
    """E-mail each member who has films left to score. Side effects: letters queued after commit; audit."""
    from festival.services import queue_after_commit

    from .tasks import send_reminder

    count = 0
    for juror, done, total in panel_progress(panel):
        if done < total:
            queue_after_commit(send_reminder, panel.pk, juror.pk)
            count += 1
    audit(actor=by, action="reminders", subject=f"panel {panel.pk}", panel=panel, after={"jurors": count})
    return count
