"""Which phase of an edition allows which action. The server checks this on every request that acts."""

import functools

from django.shortcuts import render
from django.utils import timezone

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


def phase_check(*, edition, action, moment=None):
    """Raise PhaseClosed unless `action` is allowed in `edition` at `moment`."""
    if not phase_allows(edition, action, moment):
        phases = [p for p in edition.phases.all() if p.kind in ACTION_PHASES[action]] if edition else []
        raise PhaseClosed(action, edition, phases)


def phase_closed_response(request, closed):
    """The page saying when an action is (or was) open, for a PhaseClosed."""
    context = {"edition": closed.edition, "phases": closed.phases, "now": timezone.now()}
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
