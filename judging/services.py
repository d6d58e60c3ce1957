"""Operations of the jury: building assignments around conflicts of interest, reassigning when a juror
drops out, saving scores, recusals, the organizers' awards and the results lock. Each writes an audit record.
Reads are in selectors."""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from festival.models import RoleGrant
from festival.services import queue_after_commit, role_grant
from submissions.models import Entry
from submissions.services import entry_outcome_set

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
from .selectors import criteria_for, panel_entries, panels_progress, results_locked

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
def member_add(*, panel, juror, chair=False, by):
    """Seat a juror on a panel (again, if they had left it), optionally as its chair. Assignments are not
    built here: the organizer builds them when the panel is complete.

    Side effects: the juror role (RoleGrant); an active PanelMember; Panel.chair when `chair`; an audit record.
    Returns the PanelMember.
    """
    role_grant(user=juror, role=RoleGrant.Role.JUROR)
    member, created = PanelMember.objects.get_or_create(panel=panel, juror=juror)
    if not created and not member.active:
        member.active = True
        member.save(update_fields=["active"])
    if chair and panel.chair_id != juror.pk:
        Panel.objects.filter(pk=panel.pk).update(chair=juror)
        panel.chair = juror
    audit(
        actor=by,
        action="member_add",
        subject=f"juror {juror.pk}",
        panel=panel,
        after={"juror": juror.pk, "chair": bool(chair)},
    )
    return member


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


def assignment_editable(assignment, now=None):
    """Whether the juror can still change the score: the assignment is active, the panel's deadline has not
    passed and the edition's results are not locked."""
    now = now or timezone.now()
    return assignment.active and now < assignment.panel.deadline and not results_locked(assignment.panel.edition_id)


def assignment_for_update(pk, *, juror=None):
    """The assignment with its panel and entry, all three locked until the transaction ends: what a score's
    save reads first. `juror`: only theirs (anybody else's locks nothing). Raises Assignment.DoesNotExist."""
    lookups = {"pk": pk} if juror is None else {"pk": pk, "juror": juror}
    return (
        Assignment.objects.select_for_update(of=("self", "panel", "entry"))
        .select_related("panel", "entry")
        .get(**lookups)
    )


@transaction.atomic
def score_save(*, assignment, values, notes, note, submit, version, by):
    """Save a juror's points for an entry, as a draft or submitted.

    `values`: {criterion id: points}; `notes`: {criterion id: text}. Refuses (JudgingError) after the
    panel's deadline or once the edition's results are locked, on an assignment that is not the juror's or no
    longer active, on points outside the scale, on a missing criterion when submitting, and on a stale form
    (`version` older than the stored one: another tab saved meanwhile). Side effects: Score and ScoreItem rows;
    an audit record with the values before and after.
    """
    return score_save_locked(
        assignment=assignment_for_update(assignment.pk),
        values=values,
        notes=notes,
        note=note,
        submit=submit,
        version=version,
        by=by,
    )


def score_save_locked(*, assignment, values, notes, note, submit, version, by):
    """score_save in the caller's transaction, `assignment` from assignment_for_update in it (the scoring
    page's save reads the assignment once). On a JudgingError the caller rolls its transaction back
    (transaction.set_rollback): a refusal may come after the score's row was made."""
    if assignment.juror_id != by.pk:
        raise JudgingError("not_yours")
    # The results lock is read after the entry's row lock is held: locking the results changes the entries'
    # states (results_lock), so a lock that committed first is seen here, and one that commits later waits for
    # this save.
    if not assignment_editable(assignment):
        raise JudgingError("closed")
    criteria = {
        c.pk: c for c in criteria_for(edition=assignment.panel.edition_id, nomination=assignment.entry.nomination_id)
    }
    for criterion_id, value in values.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise JudgingError("unknown_criterion")
        if value is not None and not 0 <= value <= criterion.maximum:
            raise JudgingError("out_of_scale", name=criterion.name, maximum=criterion.maximum)
    if submit and any(values.get(cid) is None for cid in criteria):
        raise JudgingError("incomplete")
    # Every write of a score or its items is this function's, under the assignment's lock: two saves of one
    # score wait for each other there, and the version compared here is the last one committed.
    score, _created = Score.objects.get_or_create(assignment=assignment)
    if version != score.version:
        raise JudgingError("stale")
    items = {item.criterion_id: item for item in score.items.all()}
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
    # New and changed points in one statement: an INSERT that updates the rows already there (on the items'
    # unique constraint).
    written = added + [ScoreItem(score=score, criterion_id=i.criterion_id, value=i.value, note=i.note) for i in changed]
    if written:
        ScoreItem.objects.bulk_create(
            written, update_conflicts=True, unique_fields=["score", "criterion"], update_fields=["value", "note"]
        )
    score.note = note[:3000]
    score.version += 1
    if submit:
        score.status, score.submitted_at = Score.Status.SUBMITTED, timezone.now()
    score.save(update_fields=["note", "version", "status", "submitted_at", "updated_at"])
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


# ---------------------------------------------------------------- decisions and the lock


@transaction.atomic
def award_set(*, entry, kind, place=None, note="", by):
    """The organizer's decision for a republican-stage entry; `kind` None removes it.

    Refused (JudgingError) while the results are locked or for an entry outside the republican stage.
    Side effects: the Award row (created, changed or removed); an audit record with before and after.
    """
    entry = Entry.objects.select_for_update().select_related("nomination").get(pk=entry.pk)
    if results_locked(entry.edition_id):
        raise JudgingError("locked")
    if entry.state != Entry.State.REPUBLICAN_PARTICIPANT:
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
    entries take their outcome (winner or participant). Side effects: ResultsLock; the entries' outcome
    (submissions.services.entry_outcome_set); audit."""
    lock, _created = ResultsLock.objects.select_for_update().get_or_create(edition=edition, defaults={"changed_by": by})
    if lock.locked and not _created:
        raise JudgingError("locked")
    finalists = set(
        Entry.objects.filter(edition=edition, state=Entry.State.REPUBLICAN_PARTICIPANT).values_list("pk", flat=True)
    )
    awarded = set(Award.objects.filter(entry__edition=edition).values_list("entry_id", flat=True))
    entry_outcome_set(ids=finalists & awarded, outcome=Entry.State.AWARDED)
    entry_outcome_set(ids=finalists - awarded, outcome=Entry.State.NOT_AWARDED)
    lock.locked, lock.changed_by = True, by
    lock.save()
    audit(actor=by, action="results_lock", subject=f"edition {edition.year}", after={"awards": len(awarded)})


@transaction.atomic
def results_reopen(*, edition, by, reason):
    """Reopen locked results: only with a reason, which the audit trail keeps. Side effects: ResultsLock; the
    entries back in the republican stage (submissions.services.entry_outcome_set); audit."""
    reason = reason.strip()
    if not reason:
        raise JudgingError("reason")
    lock = ResultsLock.objects.select_for_update().filter(edition=edition, locked=True).first()
    if lock is None:
        raise JudgingError("not_locked")
    decided = Entry.objects.filter(edition=edition, state__in=[Entry.State.AWARDED, Entry.State.NOT_AWARDED])
    entry_outcome_set(ids=set(decided.values_list("pk", flat=True)), outcome=None)
    lock.locked, lock.changed_by = False, by
    lock.save()
    audit(actor=by, action="results_reopen", subject=f"edition {edition.year}", after={"reason": reason})


@transaction.atomic
def showcase_set(*, entry, shown, by):
    """Show (or stop showing) a film on the public results page. Side effects: a Showcase row; audit."""
    if results_locked(entry.edition_id):
        raise JudgingError("locked")
    if shown:
        Showcase.objects.get_or_create(entry=entry, defaults={"added_by": by})
    else:
        Showcase.objects.filter(entry=entry).delete()
    audit(actor=by, action="showcase", subject=f"entry {entry.pk}", after={"shown": shown})


def reminders_send(*, panel, by):
    """E-mail each member who has films left to score. Side effects: letters queued after commit; audit."""
    count = 0
    [(_panel, progress)] = panels_progress([panel])
    for juror, done, total in progress:
        if done < total:
            queue_after_commit("judging.tasks.send_reminder", panel.pk, juror.pk)
            count += 1
    audit(actor=by, action="reminders", subject=f"panel {panel.pk}", panel=panel, after={"jurors": count})
    return count
