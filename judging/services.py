"""Operations of the jury: building assignments around conflicts of interest, reassigning when a juror
drops out, saving scores, recusals, the organizers' awards and the results lock. Each writes an audit record.
Reads are in selectors."""

from collections import Counter

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from festival.models import Edition, Nomination, Phase, Region, RoleGrant
from festival.phases import phase_check, phase_message
from festival.services import code_free, queue_after_commit, role_grant
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


# ---------------------------------------------------------------- setting the jury up


def _phase_end(edition, kind):
    phase = Phase.objects.filter(edition=edition, kind=kind).first()
    if phase is None:
        raise JudgingError("no_phase", phase=Phase.Kind(kind).label)
    return phase.ends_at


def _panels_make(*, edition, stage, deadline, made, action, by):
    """Create the panels `made` describes — (region or None, names kk/ru/en, nominations) each — and record
    them in one audit record. Returns the panels."""
    created = []
    for region, (name_kk, name_ru, name_en), nominations in made:
        panel = Panel.objects.create(
            edition=edition,
            stage=stage,
            region=region,
            name_kk=name_kk,
            name_ru=name_ru,
            name_en=name_en,
            deadline=deadline,
        )
        panel.nominations.set(nominations)
        created.append(panel)
    audit(actor=by, action=action, subject=f"edition {edition.year}", after={"panels": [p.pk for p in created]})
    return created


@transaction.atomic
def panels_regional_create(*, edition, by):
    """One regional panel per region for `edition`, judging all its nominations until the end of the regional
    judging phase, named in three languages after the region. Idempotent: a region that has a regional panel
    keeps it untouched. Refused (JudgingError "no_phase") when the edition has no regional judging phase.

    Side effects: Panel rows with their nominations; an audit record. Returns the panels created.
    """
    deadline = _phase_end(edition, Phase.Kind.REGIONAL_JUDGING)
    have = set(Panel.objects.filter(edition=edition, stage=Panel.Stage.REGIONAL).values_list("region_id", flat=True))
    nominations = list(edition.nominations.all())
    made = [
        (
            region,
            (
                f"{region.name_kk}: өңірлік қазылар алқасы",
                f"Региональное жюри: {region.name_ru}",
                f"Regional jury: {region.name_en}",
            ),
            nominations,
        )
        for region in Region.objects.exclude(pk__in=have)
    ]
    return _panels_make(
        edition=edition,
        stage=Panel.Stage.REGIONAL,
        deadline=deadline,
        made=made,
        action="panels_regional_create",
        by=by,
    )


@transaction.atomic
def panels_republican_create(*, edition, by):
    """One republican panel per nomination of `edition`, judging until the end of the republican judging
    phase, named in three languages after the nomination. Idempotent: a nomination that a republican panel
    already judges is left as it is. Refused (JudgingError "no_phase") without a republican judging phase.

    Side effects: Panel rows with their nomination; an audit record. Returns the panels created.
    """
    deadline = _phase_end(edition, Phase.Kind.REPUBLICAN_JUDGING)
    judged = set(
        Panel.nominations.through.objects.filter(
            panel__edition=edition, panel__stage=Panel.Stage.REPUBLICAN
        ).values_list("nomination_id", flat=True)
    )
    # Only the nominations that take films; one switched on later gets its panel from the same button.
    made = [
        (
            None,
            (
                f"Республикалық қазылар алқасы: {nomination.name_kk}",
                f"Республиканское жюри: {nomination.name_ru}",
                f"Republican jury: {nomination.name_en}",
            ),
            [nomination],
        )
        for nomination in edition.nominations.filter(is_active=True).exclude(pk__in=judged)
    ]
    return _panels_make(
        edition=edition,
        stage=Panel.Stage.REPUBLICAN,
        deadline=deadline,
        made=made,
        action="panels_republican_create",
        by=by,
    )


PANEL_SETTINGS = (
    "name_kk",
    "name_ru",
    "name_en",
    "deadline",
    "method",
    "normalise",
    "assigning",
    "jurors_per_entry",
    "tie_break",
)


def _panel_state(panel):
    state = {name: getattr(panel, name) for name in PANEL_SETTINGS}
    state["deadline"] = panel.deadline.isoformat() if panel.deadline else None
    state["chair"] = panel.chair_id
    return state


@transaction.atomic
def panel_update(*, panel, by, chair=None, **values):
    """Change a panel's settings (PANEL_SETTINGS) and its chair. The chair must be an active member
    (JudgingError "chair_not_member"); None leaves the panel without a chair.

    Side effects: the Panel row; an audit record with the values before and after.
    """
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    unknown = set(values) - set(PANEL_SETTINGS)
    if unknown:
        raise TypeError(f"not a panel setting: {sorted(unknown)}")
    chair_id = getattr(chair, "pk", chair)
    if chair_id is not None and not PanelMember.objects.filter(panel=panel, juror=chair_id, active=True).exists():
        raise JudgingError("chair_not_member")
    before = _panel_state(panel)
    for name, value in values.items():
        setattr(panel, name, value)
    panel.chair_id = chair_id
    panel.full_clean(exclude=["edition", "region", "chair"])
    panel.save(update_fields=[*values, "chair"])
    audit(
        actor=by,
        action="panel_update",
        subject=f"panel {panel.pk}",
        panel=panel,
        before=before,
        after=_panel_state(panel),
    )
    return panel


def assignments_build_check(panel):
    """Refuse (JudgingError) to build a panel's assignments that would give nobody anything: without active
    members ("no_members"), without nominations ("no_nominations"), without criteria to score by ("no_criteria")
    or without entries ("no_entries")."""
    if not PanelMember.objects.filter(panel=panel, active=True).exists():
        raise JudgingError("no_members")
    nominations = list(panel.nominations.all())
    if not nominations:
        raise JudgingError("no_nominations")
    if any(not criteria_for(edition=panel.edition_id, nomination=n) for n in nominations):
        raise JudgingError("no_criteria")
    if not panel_entries(panel).exists():
        raise JudgingError("no_entries")


def last_build_members(panel):
    """The active members' ids at the panel's last build of assignments (a sorted list), or None before the
    first build or when that build did not record them."""
    event = AuditEvent.objects.filter(panel=panel, action="assignments_build").order_by("-at", "-pk").first()
    if event is None or not isinstance(event.after, dict):
        return None
    return event.after.get("members")


# ---------------------------------------------------------------- criteria


CRITERION_FIELDS = ("nomination", "name_kk", "name_ru", "name_en", "maximum", "weight", "order")


def _criterion_state(criterion):
    return {
        "nomination": criterion.nomination_id,
        "code": criterion.code,
        "name_kk": criterion.name_kk,
        "name_ru": criterion.name_ru,
        "name_en": criterion.name_en,
        "maximum": criterion.maximum,
        "weight": str(criterion.weight),
        "order": criterion.order,
    }


def _free_code(edition, nomination, wanted):
    taken = set(Criterion.objects.filter(edition=edition, nomination=nomination).values_list("code", flat=True))
    return code_free(wanted, taken, fallback="criterion")


@transaction.atomic
def criteria_save(*, edition, changes=(), new=(), deleted=(), by):
    """Save the organizer's edit of the edition's criteria in one go: all of it or nothing.

    `changes`: [(criterion id, {field: value})] for the edition's criteria (fields of CRITERION_FIELDS);
    `new`: [{field: value}] for criteria to add (a code is made from the English name); `deleted`: ids of
    criteria to remove. A criterion that scores already use cannot be removed, nor moved to another nomination
    (JudgingError "criterion_scored", with its name). Weights are above zero (JudgingError "weight").

    Side effects: Criterion rows created, changed, deleted; an audit record per criterion.
    """
    ids = {pk for pk, _values in changes} | set(deleted)
    criteria = {c.pk: c for c in Criterion.objects.select_for_update().filter(edition=edition, pk__in=ids)}
    scored = set(ScoreItem.objects.filter(criterion__in=ids).values_list("criterion_id", flat=True).distinct())
    # Nominations whose films have scores: the set of criteria their score sheets are complete against, and
    # the scales their points were given on, stay as they are (a sheet missing a new criterion would drop out
    # of the ranking).
    started = set(
        ScoreItem.objects.filter(score__assignment__panel__edition=edition)
        .values_list("score__assignment__entry__nomination_id", flat=True)
        .distinct()
    )

    def check_open(*nominations):
        """Refuse a change of the criteria that apply to these nominations (None: to every one) once scored."""
        for nomination in nominations:
            nomination_id = getattr(nomination, "pk", nomination)
            hit = started if nomination_id is None else started & {nomination_id}
            if hit:
                raise JudgingError("criteria_frozen", nomination=Nomination.objects.get(pk=min(hit)).name)

    for values in [values for _pk, values in changes] + list(new):
        if "weight" in values and not values["weight"] > 0:
            raise JudgingError("weight")
    for pk in deleted:
        criterion = criteria[pk]
        if pk in scored:
            raise JudgingError("criterion_scored", name=criterion.name)
        check_open(criterion.nomination_id)
        before = _criterion_state(criterion)
        try:
            criterion.delete()
        except ProtectedError:
            # A score used it meanwhile.
            raise JudgingError("criterion_scored", name=criterion.name) from None
        audit(actor=by, action="criterion_delete", subject=f"criterion {before['code']}", before=before)
    for pk, values in changes:
        criterion = criteria[pk]
        nomination = values.get("nomination", criterion.nomination)
        nomination_id = getattr(nomination, "pk", nomination)
        if nomination_id != criterion.nomination_id:
            if pk in scored:
                raise JudgingError("criterion_scored", name=criterion.name)
            check_open(criterion.nomination_id, nomination_id)
            # The code is unique within a nomination: a moved criterion takes a free one there.
            values = {**values, "code": _free_code(edition, nomination_id, criterion.code)}
        if values.get("maximum", criterion.maximum) != criterion.maximum:
            check_open(criterion.nomination_id)
        before = _criterion_state(criterion)
        for name, value in values.items():
            setattr(criterion, name, value)
        criterion.save(update_fields=list(values))
        audit(
            actor=by,
            action="criterion_change",
            subject=f"criterion {criterion.code}",
            before=before,
            after=_criterion_state(criterion),
        )
    for values in new:
        check_open(values.get("nomination"))
        code = _free_code(edition, values.get("nomination"), values.get("name_en") or values.get("name_ru", ""))
        criterion = Criterion.objects.create(edition=edition, code=code, **values)
        audit(actor=by, action="criterion_add", subject=f"criterion {code}", after=_criterion_state(criterion))


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
        actor=by,
        action="assignments_build",
        subject=f"panel {panel.pk}",
        panel=panel,
        after={"created": len(created), "members": sorted(j.pk for j in members)},
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
    to the other members. Side effects: PanelMember inactive (and the panel without a chair if it was theirs),
    assignments moved, an audit record."""
    PanelMember.objects.filter(panel=panel, juror=juror).update(active=False)
    # A chair who leaves the panel is no longer its chair: the chair is always one of the members.
    if Panel.objects.filter(pk=panel.pk, chair=juror).update(chair=None):
        panel.chair = None
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


def scoring_action(panel):
    """The action of festival.phases a panel's scores are given in: a regional panel's while the regional stage
    runs (films accepted early may be scored while others are still being sent), a republican panel's in the
    republican judging phase."""
    return "regional_scoring" if panel.stage == Panel.Stage.REGIONAL else "republican_judging"


def _edition_with_phases(panel):
    # Read afresh: the calendar as it is in this transaction, not as a page read it earlier.
    return Edition.objects.prefetch_related("phases").get(pk=panel.edition_id)


def scoring_phase_check(panel):
    """Raise festival.phases.PhaseClosed (naming the dates) unless the panel's scoring phase is open now."""
    phase_check(edition=_edition_with_phases(panel), action=scoring_action(panel))


def scoring_phase_message(panel):
    """Empty while the panel's scoring phase is open; else the sentence naming its dates."""
    return phase_message(_edition_with_phases(panel), scoring_action(panel))


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
    (`version` older than the stored one: another tab saved meanwhile); refuses (festival.phases.PhaseClosed)
    outside the panel's scoring phases (scoring_action). Side effects: Score and ScoreItem rows; an audit record
    with the values before and after.
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
    if (
        assignment.juror_id != by.pk
        or not PanelMember.objects.filter(panel_id=assignment.panel_id, juror_id=by.pk, active=True).exists()
    ):
        raise JudgingError("not_yours")
    # The results lock is read after the entry's row lock is held: locking the results changes the entries'
    # states (results_lock), so a lock that committed first is seen here, and one that commits later waits for
    # this save.
    if not assignment_editable(assignment):
        raise JudgingError("closed")
    scoring_phase_check(assignment.panel)
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
    # The finalists' rows are locked before the awards are read: award_set locks its entry before it writes,
    # so an award saved while the results lock is taken is either committed and read here, or waits for the lock
    # and is then refused (results_locked) — never written beside an outcome computed without it.
    finalists = set(
        Entry.objects.select_for_update()
        .filter(edition=edition, state=Entry.State.REPUBLICAN_PARTICIPANT)
        .values_list("pk", flat=True)
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
