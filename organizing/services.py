"""Operations of the organizers' workspace: opening an edition, its calendar, nominations, age groups and finalist
quotas, and — in demo mode only — moving the calendar so that a phase is open now.

Each operation checks everything before it writes and writes in one transaction: refused input saves nothing.
Each writes an audit record (judging's trail, which the organizers already read)."""

import datetime
import itertools
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from festival.models import Edition, Nomination, Phase
from festival.services import code_free, edition_create
from judging.models import Panel
from judging.services import audit, criteria_default_create
from submissions.models import Entry, RegionQuota

# Quotas above this are typing mistakes: a region sends a handful of finalists per nomination.
QUOTA_MAX = 999


class DemoModeOff(Exception):
    """Moving the calendar is for demonstrations: refused unless settings.DEMO_MODE."""


def _local(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def _phase_name(kind):
    return str(Phase.Kind(kind).label)


# ---------------------------------------------------------------- the calendar


def phases_check(*, starts, ends_at):
    """The six phases' dates from their starts (`starts`: Phase.Kind → aware datetime) and the end of the last
    one: each phase ends when the next begins, so there is neither a gap nor an overlap.

    Returns {kind: (starts_at, ends_at)} in Phase.ORDER. Raises ValidationError keyed by the phase whose date is
    wrong (its kind, or "ends_at" for the end of the last phase), with a message naming the phases."""
    errors = {}
    for kind in Phase.ORDER:
        if starts.get(kind) is None:
            errors[kind] = _("Enter the start of «%(phase)s».") % {"phase": _phase_name(kind)}
    if ends_at is None:
        errors["ends_at"] = _("Enter the end of «%(phase)s».") % {"phase": _phase_name(Phase.ORDER[-1])}
    if errors:
        raise ValidationError(errors)
    for moment in [*starts.values(), ends_at]:
        if timezone.is_naive(moment):
            raise ValueError("Phase dates must be aware datetimes.")
    for previous, kind in zip(Phase.ORDER, Phase.ORDER[1:], strict=False):
        if starts[kind] <= starts[previous]:
            errors[kind] = _("«%(phase)s» must start after «%(previous)s» starts (%(date)s).") % {
                "phase": _phase_name(kind),
                "previous": _phase_name(previous),
                "date": _local(starts[previous]),
            }
    last = Phase.ORDER[-1]
    if ends_at <= starts[last]:
        errors["ends_at"] = _("«%(phase)s» must end after it starts (%(date)s).") % {
            "phase": _phase_name(last),
            "date": _local(starts[last]),
        }
    if errors:
        raise ValidationError(errors)
    bounds = [starts[kind] for kind in Phase.ORDER] + [ends_at]
    return {kind: (bounds[index], bounds[index + 1]) for index, kind in enumerate(Phase.ORDER)}


def _phases_record(phases):
    return {p.kind: [p.starts_at.isoformat(), p.ends_at.isoformat()] for p in phases}


# A jury panel's deadline is, unless the organizer set another, the end of its stage's judging phase.
PANEL_PHASES = (
    (Panel.Stage.REGIONAL, Phase.Kind.REGIONAL_JUDGING),
    (Panel.Stage.REPUBLICAN, Phase.Kind.REPUBLICAN_JUDGING),
)


def edition_phases_set(*, edition, starts, ends_at, by):
    """Set the edition's calendar (see phases_check).

    Side effects: the six Phase rows of the edition get their dates (missing ones are created); a panel whose
    deadline was the end of its stage's judging phase follows that end; one audit record with the dates before
    and after. Raises ValidationError, and then nothing is saved."""
    dates = phases_check(starts=starts, ends_at=ends_at)
    with transaction.atomic():
        existing = {p.kind: p for p in Phase.objects.select_for_update().filter(edition=edition)}
        before = _phases_record(existing.values())
        for stage, kind in PANEL_PHASES:
            if kind in existing and existing[kind].ends_at != dates[kind][1]:
                Panel.objects.filter(edition=edition, stage=stage, deadline=existing[kind].ends_at).update(
                    deadline=dates[kind][1]
                )
        for kind, (start, end) in dates.items():
            phase = existing.get(kind)
            if phase is None:
                Phase.objects.create(edition=edition, kind=kind, starts_at=start, ends_at=end)
            elif (phase.starts_at, phase.ends_at) != (start, end):
                phase.starts_at, phase.ends_at = start, end
                phase.save(update_fields=["starts_at", "ends_at"])
        after = {kind: [start.isoformat(), end.isoformat()] for kind, (start, end) in dates.items()}
        audit(actor=by, action="phases_set", subject=f"edition:{edition.year}", before=before, after=after)


def edition_open(*, year, title_kk, title_ru, title_en, starts, ends_at, make_current, by):
    """Open a new edition with its calendar, the eight nominations, three age groups and seven criteria of the
    festival's rules (all editable afterwards).

    Side effects: Edition, six Phase, Nomination, AgeGroup and Criterion rows, all or none; make_current moves the
    public site and every workspace to it; one audit record. Raises ValidationError (the year is taken, a date is
    wrong), and then nothing is saved."""
    dates = phases_check(starts=starts, ends_at=ends_at)
    taken = ValidationError({"year": _("There already is an edition of %(year)s.") % {"year": year}})
    if Edition.objects.filter(year=year).exists():
        raise taken
    try:
        with transaction.atomic():
            edition = edition_create(
                year=year,
                title_kk=title_kk,
                title_ru=title_ru,
                title_en=title_en,
                phases=dates,
                make_current=make_current,
            )
            criteria_default_create(edition=edition)
            audit(actor=by, action="edition_open", subject=f"edition:{year}", after={"current": make_current})
    except IntegrityError:
        # Another organizer opened the same year a moment earlier.
        raise taken from None
    return edition


def edition_make_current(*, edition, by):
    """Side effects: the edition becomes the one the public site and every workspace show; one audit record."""
    with transaction.atomic():
        Edition.objects.filter(is_current=True).exclude(pk=edition.pk).update(is_current=False)
        Edition.objects.filter(pk=edition.pk).update(is_current=True)
        audit(actor=by, action="edition_current", subject=f"edition:{edition.year}")


# ---------------------------------------------------------------- nominations and age groups


def _nomination_code(nomination):
    taken = set(Nomination.objects.filter(edition=nomination.edition_id).values_list("code", flat=True))
    return code_free(nomination.name_en, taken, fallback="nomination")


def nomination_save(*, nomination, by):
    """Save a nomination the form validated (its clean() rules included). A new one gets a code made from its
    English name, unique in the edition.

    Side effects: the Nomination row; one audit record."""
    with transaction.atomic():
        created = nomination.pk is None
        if created:
            nomination.code = _nomination_code(nomination)
        nomination.full_clean()
        nomination.save()
        audit(
            actor=by,
            action="nomination_add" if created else "nomination_change",
            subject=f"nomination:{nomination.pk}",
            after={"code": nomination.code, "active": nomination.is_active},
        )
    return nomination


def age_ranges_check(ranges):
    """`ranges`: [(label, min_age, max_age)]. Raises ValidationError when one is upside down or two overlap."""
    errors = []
    for label, low, high in ranges:
        if high < low:
            errors.append(
                _("«%(group)s»: the maximum age (%(max)s) is below the minimum (%(min)s).")
                % {"group": label, "max": high, "min": low}
            )
    ordered = sorted((r for r in ranges if r[2] >= r[1]), key=lambda r: r[1])
    for (label_a, _low_a, high_a), (label_b, low_b, _high_b) in itertools.pairwise(ordered):
        if low_b <= high_a:
            errors.append(
                _("«%(first)s» and «%(second)s» overlap: an age can belong to one group only.")
                % {"first": label_a, "second": label_b}
            )
    if errors:
        raise ValidationError(errors)


def age_groups_set(*, edition, keep, remove, by):
    """Replace the edition's age groups: `keep` are AgeGroup instances to save (new ones without pk), `remove`
    the ones to delete.

    Side effects: AgeGroup rows saved and deleted, all or none; one audit record. Raises ValidationError when the
    ranges overlap or a group to remove has entries (nothing saved)."""
    age_ranges_check([(group.name, group.min_age, group.max_age) for group in keep])
    with transaction.atomic():
        used = set(
            Entry.objects.filter(age_group__in=[g.pk for g in remove if g.pk]).values_list("age_group_id", flat=True)
        )
        if used:
            names = ", ".join(str(g) for g in remove if g.pk in used)
            raise ValidationError(
                _("Films are entered in «%(group)s»: it cannot be removed. Change its ages instead.") % {"group": names}
            )
        for group in remove:
            if group.pk:
                group.delete()
        for group in keep:
            group.edition = edition
            group.save()
        audit(
            actor=by,
            action="age_groups_set",
            subject=f"edition:{edition.year}",
            after=[[g.name_en, g.min_age, g.max_age] for g in keep],
        )


# ---------------------------------------------------------------- finalist quotas


def quotas_set(*, edition, values, by):
    """Set the finalist quota of each region × nomination: `values` maps (region id, nomination id) to a whole
    number from 0 to QUOTA_MAX. A pair without a row has the default (RegionQuota.DEFAULT).

    Side effects: RegionQuota rows created or updated where the value changes, all or none; one audit record
    with the changes. Raises ValidationError for a value out of range, or below the finalists a region has
    already picked (by cell: "q_<region id>_<nomination id>"); nothing is saved then."""
    for value in values.values():
        if not isinstance(value, int) or not 0 <= value <= QUOTA_MAX:
            raise ValidationError(_("A quota is a whole number from 0 to %(max)s.") % {"max": QUOTA_MAX})
    with transaction.atomic():
        # A quota below the finalists a coordinator has already picked would leave the region over it.
        # The finalists are locked as the coordinators' picks lock them (submissions.services.entry_set_finalist).
        picked = Counter(
            Entry.objects.select_for_update()
            .filter(edition=edition, state=Entry.State.REGIONAL_FINALIST)
            .values_list("region_id", "nomination_id")
        )
        below = {
            f"q_{region_id}_{nomination_id}": _(
                "%(count)s finalists are already picked here: the quota cannot be lower."
            )
            % {"count": count}
            for (region_id, nomination_id), count in picked.items()
            if values.get((region_id, nomination_id), count) < count
        }
        if below:
            raise ValidationError(below)
        rows = {
            (row.region_id, row.nomination_id): row
            for row in RegionQuota.objects.select_for_update().filter(edition=edition)
        }
        created, updated, changes = [], [], {}
        for (region_id, nomination_id), value in values.items():
            row = rows.get((region_id, nomination_id))
            if row is None:
                if value != RegionQuota.DEFAULT:
                    created.append(
                        RegionQuota(edition=edition, region_id=region_id, nomination_id=nomination_id, quota=value)
                    )
                    changes[f"{region_id}:{nomination_id}"] = [RegionQuota.DEFAULT, value]
            elif row.quota != value:
                changes[f"{region_id}:{nomination_id}"] = [row.quota, value]
                row.quota = value
                updated.append(row)
        RegionQuota.objects.bulk_create(created)
        RegionQuota.objects.bulk_update(updated, ["quota"])
        if changes:
            audit(actor=by, action="quotas_set", subject=f"edition:{edition.year}", after=changes)
    return len(changes)


# ---------------------------------------------------------------- demo mode


def phase_open_now(*, edition, kind, by, now=None):
    """Demo mode only: move the whole calendar by one offset, so that phase `kind` started a minute ago. The
    phases keep their lengths and their order.

    Side effects: every Phase row of the edition, and every panel's deadline by the same offset; one audit
    record. Raises DemoModeOff outside demo mode and
    ValidationError when the edition has no such phase."""
    if not settings.DEMO_MODE:
        raise DemoModeOff
    now = now or timezone.now()
    with transaction.atomic():
        phases = list(Phase.objects.select_for_update().filter(edition=edition))
        target = next((p for p in phases if p.kind == kind), None)
        if target is None:
            raise ValidationError(_("The edition has no phase «%(phase)s».") % {"phase": _phase_name(kind)})
        offset = now - datetime.timedelta(minutes=1) - target.starts_at
        before = _phases_record(phases)
        for phase in phases:
            phase.starts_at += offset
            phase.ends_at += offset
        Phase.objects.bulk_update(phases, ["starts_at", "ends_at"])
        Panel.objects.filter(edition=edition).update(deadline=F("deadline") + offset)
        audit(
            actor=by,
            action="phase_open_now",
            subject=f"edition:{edition.year}:{kind}",
            before=before,
            after=_phases_record(phases),
        )
    return phases
