import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from festival.models import Edition, User
from submissions import services
from submissions.checks import film_check
from submissions.models import Entry, EntryAuthor, Film
from submissions.storage import upload_path


class Command(BaseCommand):
    help = "Demo entries (idempotent): a draft of the demo student, and a submitted film of the demo team."

    def handle(self, *args, **options):
        edition = Edition.objects.current()
        student = User.objects.filter(email="student@demo.kz").first()
        supervisor = User.objects.filter(email="supervisor@demo.kz").first()
        if edition is None or student is None or supervisor is None:
            self.stderr.write("Load the demo edition first: manage.py load_demo")
            return
        if not Entry.objects.filter(created_by=student).exists():
            me = student.participant
            services.entry_save(
                user=student,
                edition=edition,
                nomination=edition.nominations.get(code="stop-motion"),
                title="Пластилин әлемі",
                synopsis="",
                language="kk",
                age_group=None,
                region=me.region,
                school=me.school,
                school_other="",
                authors=[(me, EntryAuthor.Role.DIRECTOR)],
                supervisors=[],
            )
        if Entry.objects.filter(created_by=supervisor).exists() or shutil.which("ffmpeg") is None:
            return
        team = list(supervisor.supervised_participants.all())
        with transaction.atomic():
            entry = services.entry_save(
                user=supervisor,
                edition=edition,
                nomination=edition.nominations.get(code="tv-story"),
                title="Мектеп жаңалықтары",
                synopsis="Новости нашей школы за неделю.",
                language="ru",
                age_group=None,
                region=supervisor.region,
                school=supervisor.school,
                school_other="",
                authors=[(team[0], EntryAuthor.Role.DIRECTOR), *[(p, EntryAuthor.Role.CAMERA) for p in team[1:]]],
                supervisors=[supervisor],
            )
        with tempfile.TemporaryDirectory() as folder:
            video = Path(folder) / "news.mp4"
            # A fixed command line, no user input: ffmpeg's test pattern becomes the demo film.
            subprocess.run(  # noqa: S603
                [  # noqa: S607
                    "ffmpeg",
                    "-nostdin",
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=640x360:rate=25:duration=6",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=330:duration=6",
                    "-c:v",
                    "libx264",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-shortest",
                    str(video),
                ],
                check=True,
                timeout=120,
            )
            upload = services.upload_create(
                entry=entry, user=supervisor, length=video.stat().st_size, filename="news.mp4"
            )
            shutil.copyfile(video, upload_path(upload.pk))
            film = services.upload_complete(upload=upload)
        film_check(film=Film.objects.get(pk=film.pk))
        services.entry_submit(entry=entry, user=supervisor)
        self.stdout.write("Demo entries: a draft of the student, a submitted film of the supervisor's team.")
