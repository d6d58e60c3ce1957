"""Which phase of an edition allows which action. The server checks this on every request that acts."""

import functools

from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Edition, Phase

# An action is allowed while any one of its phases is open.
ACTION_PHASES = {
    "register": {Phase.Kind.REGISTRATION, Phase.Kind.REGIONAL_SUBMISSION},
    "submit_entry": {Phase.Kind.REGIONAL_SUBMISSION},
    # Fixing an entry the coordinator returned: possible as long as the coordinator may still review it.
    "resubmit": {Phase.Kind.REGIONAL_SUBMISSION, Phase.Kind.REGIONAL_JUDGING},
    "regional_review": {Phase.Kind.REGIONAL_SUBMISSION, Phase.Kind.REGIONAL_JUDGING},
    "select_finalists": {Phase.Kind.REGIONAL_JUDGING, Phase.Kind.FINALIST_SIGNOFF},
    "finalist_signoff": {Phase.Kind.FINALIST_SIGNOFF},
    # A regional jury may score the films accepted so far while films are still being sent.
    "regional_scoring": {Phase.Kind.REGIONAL_SUBMISSION, Phase.Kind.REGIONAL_JUDGING},
    "republican_judging": {Phase.Kind.REPUBLICAN_JUDGING},
    "publish_results": {Phase.Kind.RESULTS},
}


class PhaseClosed(Exception):
    def __init__(self, action, edition, phases):
        super().__init__(action)
        self.action = action
        self.edition = edition
        # The phases that would allow it, with their dates, for the message.
        self.phases = phases


def phase_allows(edition, action, moment=None):
    if edition is None:
        return False
    moment = moment or timezone.now()
    return any(p.kind in ACTION_PHASES[action] and p.is_open(moment) for p in edition.phases.all())


def _closed(edition, action):
    phases = [p for p in edition.phases.all() if p.kind in ACTION_PHASES[action]] if edition else []
    return PhaseClosed(action, edition, phases)


def phase_check(*, edition, action, moment=None):
    """Raise PhaseClosed unless `action` is allowed in `edition` at `moment`."""
    if not phase_allows(edition, action, moment):
        raise _closed(edition, action)


def _periods(phases):
    """The phases' (start, end) with overlapping or adjoining ones joined: the times the action is open."""
    periods = []
    for phase in sorted(phases, key=lambda p: p.starts_at):
        if periods and phase.starts_at <= periods[-1][1]:
            periods[-1][1] = max(periods[-1][1], phase.ends_at)
        else:
            periods.append([phase.starts_at, phase.ends_at])
    return periods


def _moment(moment):
    return formats.date_format(timezone.localtime(moment), "j E Y, H:i")


def phase_closed_message(closed, moment=None):
    """One sentence, in the reader's language, saying when the refused action is open or was open last, in
    Astana time: what a message shows in place of the refused action."""
    moment = moment or timezone.now()
    periods = _periods(closed.phases)
    if not periods:
        if closed.edition is None:
            return _("No edition of the festival is open at the moment.")
        return _("This is not open now: the festival's calendar has no dates for it yet.")
    upcoming = [period for period in periods if period[0] > moment]
    start, end = upcoming[0] if upcoming else periods[-1]
    values = {"start": _moment(start), "end": _moment(end)}
    if upcoming:
        return _("This is not open yet: it opens on %(start)s and stays open until %(end)s (Astana time).") % values
    return _("This is closed: it was open from %(start)s to %(end)s (Astana time).") % values


def phase_message(edition, action, moment=None):
    """Empty while `action` is allowed; otherwise phase_closed_message's sentence naming its dates, for a page that
    leaves the action out."""
    if phase_allows(edition, action, moment):
        return ""
    return phase_closed_message(_closed(edition, action), moment)


def phase_closed_response(request, closed):
    """The page saying when an action is (or was) open, for a PhaseClosed."""
    context = {
        "edition": closed.edition,
        "phases": closed.phases,
        "now": timezone.now(),
        "message": phase_closed_message(closed),
    }
    return render(request, "festival/phase_closed.html", context, status=403)


def phase_required(action):
    """View decorator: outside the action's phases the user gets a page saying when it is (or was) open."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                phase_check(edition=Edition.objects.current(), action=action)
            except PhaseClosed as closed:
                return phase_closed_response(request, closed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
