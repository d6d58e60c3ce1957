"""Reads of the organizers' workspace: the edition's calendar with what each phase changes, the quotas table and
the readiness checklist (what is still missing before the next phase can work)."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import Kind as DocumentKind
from certificates.selectors import missing as documents_missing
from certificates.selectors import owed as documents_owed
from festival.models import Nomination, Phase, Region, RoleGrant, School
from judging.models import Assignment, Criterion, Panel, PanelMember
from judging.selectors import criteria_of
from submissions.models import Entry, RegionQuota, RegionSignoff

# What starts with each phase, for whom: the truth is festival/phases.py (ACTION_PHASES) and the services that
# check it. Kept short: the organizers read it before they move a date.
PHASE_CHANGES = {
    Phase.Kind.REGISTRATION: gettext_lazy(
        "Students and supervisors create accounts, give consent and register their teams. Films cannot be sent yet."
    ),
    Phase.Kind.REGIONAL_SUBMISSION: gettext_lazy(
        "Registration stays open. Students and supervisors make entries, upload films and send them; regional "
        "coordinators check each film sent and accept it or return it with a reason."
    ),
    Phase.Kind.REGIONAL_JUDGING: gettext_lazy(
        "Registration and new entries close. Coordinators finish checking, authors may still fix a returned "
        "entry; regional juries score the accepted films and coordinators pick finalists within the quota."
    ),
    Phase.Kind.FINALIST_SIGNOFF: gettext_lazy(
        "Films can no longer be checked or fixed. Coordinators finish picking finalists and sign their region's "
        "list off: it is locked and the finalists go on to the republican stage."
    ),
    Phase.Kind.REPUBLICAN_JUDGING: gettext_lazy(
        "Regional lists are closed. Republican juries score the finalists, blind, until their panels' deadlines."
    ),
    Phase.Kind.RESULTS: gettext_lazy(
        "Organizers give places, the grand prix and special mentions and lock the results; the public results "
        "page shows the winners and documents are issued."
    ),
}


def edition_phases(edition):
    """{kind: Phase} of the edition (a kind without a row is missing)."""
    return {phase.kind: phase for phase in edition.phases.all()}


def phase_open(phases, now=None):
    """Of {kind: Phase}, the open phase latest in the order (phases of older editions may overlap), or None."""
    now = now or timezone.now()
    open_kinds = [kind for kind in Phase.ORDER if kind in phases and phases[kind].is_open(now)]
    return phases[open_kinds[-1]] if open_kinds else None


def phase_next(phases, now=None):
    """The phase after the open one; with none open, the first phase still to come; None after the last."""
    now = now or timezone.now()
    current = phase_open(phases, now)
    if current is not None:
        later = Phase.ORDER[Phase.ORDER.index(current.kind) + 1 :]
        return next((phases[kind] for kind in later if kind in phases), None)
    return next((phases[kind] for kind in Phase.ORDER if kind in phases and phases[kind].starts_at > now), None)


@dataclass
class PhaseRow:
    kind: str
    label: str
    changes: str
    phase: Phase | None
    is_open: bool
    is_past: bool


def phase_rows(edition, now=None):
    """The six phases in their order, each with its dates (or None), what it changes, and whether it is open or
    over."""
    now = now or timezone.now()
    phases = edition_phases(edition)
    current = phase_open(phases, now)
    rows = []
    for kind in Phase.ORDER:
        phase = phases.get(kind)
        rows.append(
            PhaseRow(
                kind=kind,
                label=Phase.Kind(kind).label,
                changes=PHASE_CHANGES[kind],
                phase=phase,
                is_open=current is not None and phase is current,
                is_past=phase is not None and phase.ends_at <= now,
            )
        )
    return rows


# ---------------------------------------------------------------- quotas


def quota_table(edition):
    """(nominations, [(region, [(nomination, quota)])]): every region × the edition's nominations, with the
    quota in force (a pair without a row has RegionQuota.DEFAULT)."""
    nominations = list(Nomination.objects.filter(edition=edition))
    stored = {
        (row.region_id, row.nomination_id): row.quota
        for row in RegionQuota.objects.filter(edition=edition, nomination__in=nominations)
    }
    rows = [
        (region, [(n, stored.get((region.pk, n.pk), RegionQuota.DEFAULT)) for n in nominations])
        for region in Region.objects.all()
    ]
    return nominations, rows


# ---------------------------------------------------------------- readiness


@dataclass
class Item:
    """One line of the checklist: what is missing, how many, where it is fixed, and the phase that needs it."""

    text: str
    count: int
    url: str
    needed_for: str
    names: list = field(default_factory=list)
    blocking: bool = False

    @property
    def needed_for_label(self):
        return Phase.Kind(self.needed_for).label


def _url(name, *args):
    return reverse(name, args=args)


def _panel_items(edition, nominations):
    panels = list(
        Panel.objects.filter(edition=edition)
        .select_related("region")
        .prefetch_related("nominations")
        .annotate(
            has_members=Exists(PanelMember.objects.filter(panel=OuterRef("pk"), active=True)),
            has_assignments=Exists(Assignment.objects.filter(panel=OuterRef("pk"), active=True)),
        )
    )
    criteria = list(Criterion.objects.filter(edition=edition))
    panels_url = reverse("judging:organizer_panels")
    stage_phase = {
        Panel.Stage.REGIONAL: Phase.Kind.REGIONAL_JUDGING,
        Panel.Stage.REPUBLICAN: Phase.Kind.REPUBLICAN_JUDGING,
    }
    items = []
    if not criteria:
        items.append(
            Item(
                _("The edition has no judging criteria"),
                1,
                _url("judging:criteria"),
                Phase.Kind.REGIONAL_JUDGING,
            )
        )
    else:
        unscored = [n for n in nominations if n.is_active and not criteria_of(criteria, n.pk)]
        if unscored:
            items.append(
                Item(
                    _("Nominations without judging criteria"),
                    len(unscored),
                    _url("judging:criteria"),
                    Phase.Kind.REGIONAL_JUDGING,
                    [str(n) for n in unscored],
                )
            )
    if not panels:
        items.append(Item(_("No jury panels yet"), 1, panels_url, Phase.Kind.REGIONAL_JUDGING))
    republican = {n.pk for p in panels if p.stage == Panel.Stage.REPUBLICAN for n in p.nominations.all()}
    without_panel = [n for n in nominations if n.is_active and n.pk not in republican]
    if without_panel:
        items.append(
            Item(
                _("Nominations without a republican jury panel"),
                len(without_panel),
                panels_url,
                Phase.Kind.REPUBLICAN_JUDGING,
                [str(n) for n in without_panel],
            )
        )
    checks = [
        (_("Jury panels without members"), lambda p: not p.has_members),
        (_("Jury panels without nominations"), lambda p: not p.nominations.all()),
        (
            _("Jury panels with a nomination that has no criteria"),
            lambda p: any(not criteria_of(criteria, n.pk) for n in p.nominations.all()),
        ),
        (_("Jury panels without assignments of films"), lambda p: not p.has_assignments),
    ]
    for text, wrong in checks:
        for stage, phase_kind in stage_phase.items():
            found = [p for p in panels if p.stage == stage and wrong(p)]
            if found:
                items.append(
                    Item(
                        f"{text} ({Panel.Stage(stage).label})",
                        len(found),
                        panels_url,
                        phase_kind,
                        [str(p) for p in found],
                    )
                )
    return items


def readiness(edition, now=None):
    """(the next phase or None, [Item]): what is still missing in the edition, each line with how many, the page
    that fixes it and the phase that needs it; lines the next phase (or an open one) needs are `blocking`."""
    now = now or timezone.now()
    phases = edition_phases(edition)
    upcoming = phase_next(phases, now)
    current = phase_open(phases, now)
    items = []
    edition_url = reverse("organizing:edition")
    absent = [kind for kind in Phase.ORDER if kind not in phases]
    if absent:
        items.append(
            Item(
                _("Phases without dates"),
                len(absent),
                edition_url,
                Phase.ORDER[0],
                [str(Phase.Kind(kind).label) for kind in absent],
            )
        )
    nominations = list(Nomination.objects.filter(edition=edition))
    if not any(n.is_active for n in nominations):
        items.append(
            Item(
                _("No nomination accepts entries"), 1, reverse("organizing:nominations"), Phase.Kind.REGIONAL_SUBMISSION
            )
        )
    coordinated = RoleGrant.objects.filter(role=RoleGrant.Role.COORDINATOR, region=OuterRef("pk"))
    uncoordinated = list(Region.objects.exclude(Exists(coordinated)))
    if uncoordinated:
        items.append(
            Item(
                _("Regions without a coordinator"),
                len(uncoordinated),
                _url("people:list"),
                Phase.Kind.REGIONAL_SUBMISSION,
                [str(r) for r in uncoordinated],
            )
        )
    items += _panel_items(edition, nominations)
    waiting = (
        Region.objects.annotate(
            waiting=Count("entries", filter=Q(entries__edition=edition, entries__state=Entry.State.SUBMITTED))
        )
        .filter(waiting__gt=0)
        .order_by("order", "code")
    )
    for region in waiting:
        items.append(
            Item(
                _("%(region)s: films sent and not yet checked by the coordinator") % {"region": region},
                region.waiting,
                reverse("submissions:region_entries", args=[region.code]) + f"?state={Entry.State.SUBMITTED}",
                Phase.Kind.REGIONAL_JUDGING,
            )
        )
    signed = RegionSignoff.objects.filter(edition=edition, region=OuterRef("pk"))
    with_finalists = Entry.objects.filter(edition=edition, region=OuterRef("pk"), state=Entry.State.REGIONAL_FINALIST)
    unsigned = list(Region.objects.filter(Exists(with_finalists)).exclude(Exists(signed)))
    if unsigned:
        items.append(
            Item(
                _("Regions with finalists not yet signed off"),
                len(unsigned),
                reverse("organizer_dashboard"),
                Phase.Kind.REPUBLICAN_JUDGING,
                [str(r) for r in unsigned],
            )
        )
    # Documents are owed once films took part; counting them reads every author, so only near the end.
    late = {Phase.Kind.REPUBLICAN_JUDGING, Phase.Kind.RESULTS}
    if (upcoming is None and phases) or (upcoming and upcoming.kind in late) or (current and current.kind in late):
        owed = documents_missing(edition, documents_owed(edition, kinds=set(DocumentKind.values)))
        for kind in DocumentKind:
            count = sum(1 for item in owed if item["kind"] == kind)
            if count:
                items.append(
                    Item(
                        _("Documents not yet issued: %(kind)s") % {"kind": kind.label},
                        count,
                        reverse("certificates:organizer"),
                        Phase.Kind.RESULTS,
                    )
                )
    # A line blocks when the phase that needs it is open or is the next one (or came before them).
    horizon = max(
        (Phase.ORDER.index(p.kind) for p in (current, upcoming) if p is not None),
        default=len(Phase.ORDER) - 1 if phases else 0,
    )
    for item in items:
        item.blocking = Phase.ORDER.index(item.needed_for) <= horizon
    items.sort(key=lambda item: (not item.blocking, Phase.ORDER.index(item.needed_for)))
    return upcoming, items


def schools_to_review():
    """Schools named in coordinators' imported lists and not yet approved, by region, with their participants."""
    return (
        School.objects.filter(approved=False)
        .select_related("region")
        .annotate(participants_count=Count("participants"))
        .order_by("region__order", "name")
    )
