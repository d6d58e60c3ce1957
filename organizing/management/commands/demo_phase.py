"""manage.py demo_phase [next | <phase>]: the current edition's phases in Astana time, the open one marked; with
an argument (demo mode only), open that phase now by moving the whole calendar (organizing.services.phase_open_now).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from festival.models import Edition, Phase
from organizing import selectors, services


class Command(BaseCommand):
    help = "Show the current edition's phases; in demo mode open one now: 'next' or one of " + ", ".join(Phase.ORDER)

    def add_arguments(self, parser):
        parser.add_argument("phase", nargs="?", help="next, or " + ", ".join(Phase.ORDER))

    def handle(self, *args, phase=None, **options):
        edition = Edition.objects.current()
        if edition is None:
            raise CommandError("There is no current edition.")
        if phase:
            self._open(edition, phase)
        self._show(edition)

    def _open(self, edition, phase):
        if not settings.DEMO_MODE:
            raise CommandError("DEMO_MODE is off: the calendar is changed on the organizer's edition page.")
        if phase == "next":
            upcoming = selectors.phase_next(selectors.edition_phases(edition))
            if upcoming is None:
                raise CommandError("There is no phase after the open one.")
            phase = upcoming.kind
        if phase not in Phase.ORDER:
            raise CommandError(f"Unknown phase {phase!r}: use next or one of {', '.join(Phase.ORDER)}.")
        try:
            services.phase_open_now(edition=edition, kind=phase, by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Opened {phase}: every phase moved with it.")

    def _show(self, edition):
        phases = selectors.edition_phases(edition)
        current = selectors.phase_open(phases)
        self.stdout.write(f"Edition {edition.year} ({timezone.get_default_timezone_name()}):")
        for kind in Phase.ORDER:
            phase = phases.get(kind)
            if phase is None:
                self.stdout.write(f"     {kind:<20} (no dates)")
                continue
            mark = "  >>" if phase is current else "    "
            start = timezone.localtime(phase.starts_at).strftime("%Y-%m-%d %H:%M")
            end = timezone.localtime(phase.ends_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{mark} {kind:<20} {start} — {end}{'  (open)' if phase is current else ''}")
