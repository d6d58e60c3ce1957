from django.core.management.base import BaseCommand

from festival.models import Edition, User
from organizing.demo import STUDENT, demo_entries_load


class Command(BaseCommand):
    help = (
        "The demo's films (idempotent): a draft of the demo student; films made by ffmpeg, checked, sent and"
        " reviewed; Astana's regional panel with the demo juror; the republican panel, scored."
    )

    def handle(self, *args, **options):
        if Edition.objects.current() is None or not User.objects.filter(email=STUDENT).exists():
            self.stderr.write("Load the demo edition first: manage.py load_demo")
            return
        report = demo_entries_load()
        if report.no_ffmpeg:
            self.stdout.write(
                "  ffmpeg is not installed: the demo has no films, so the coordinators, the jurors and the organizer"
                " have nothing to do yet. Install ffmpeg (the worker needs it to check films) and run again."
            )
        elif report.wrong_phase:
            self.stdout.write(
                "  The demo's films are made while films are being sent (manage.py demo_phase regional_submission);"
                " none was made now."
            )
        elif report.made:
            self.stdout.write(f"  Demo films: {report.made} made with ffmpeg and checked in {report.seconds:.1f} s.")
