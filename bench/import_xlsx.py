"""Import a region-sized participant list: 96,065 rows (the regional stages' real size) from one .xlsx.

    python -m bench.import_xlsx [--rows N]

Uses a throw-away SQLite database unless DATABASE_URL is set (then that database, which should be a
scratch one). Prints the figures as one JSON object on its last line.
"""

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=96065)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings.dev")
    os.environ.setdefault("FESTIVAL_VAR_DIR", str(scratch))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from openpyxl import Workbook

    from festival.models import Participant, Region, User
    from submissions.imports import participants_import
    from submissions.models import ImportJob

    call_command("migrate", verbosity=0)
    region = Region.objects.get(code="turkistan")
    Participant.objects.filter(region=region).delete()
    user, _ = User.objects.get_or_create(email="bench@example.kz", defaults={"first_name": "B", "last_name": "B"})

    started = time.perf_counter()
    rng = random.Random(2023)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Participants")
    sheet.append(["h"] * 10)
    today = datetime.date.today()
    for number in range(args.rows):
        born = today.replace(year=today.year - rng.randint(8, 16)) - datetime.timedelta(days=rng.randint(0, 300))
        sheet.append(
            [
                f"Фамилия{number}",
                f"Имя{number % 977}",
                "",
                born.strftime("%d.%m.%Y"),
                "",
                f"№{rng.randint(1, 400)} мектеп",
                rng.randint(1, 11),
                f"Родитель {number}",
                rng.choice(["мать", "отец", "анасы", "әкесі"]),
                "",
            ]
        )
    path = scratch / "participants.xlsx"
    book.save(path)
    written = time.perf_counter() - started

    job = ImportJob.objects.create(region=region, created_by=user, file=str(path), original_name=path.name)
    started = time.perf_counter()
    participants_import(job=job, path=path)
    imported = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors[:5]

    started = time.perf_counter()
    again = ImportJob.objects.create(region=region, created_by=user, file=str(path), original_name=path.name)
    participants_import(job=again, path=path)
    reimported = time.perf_counter() - started

    from django.db import connection

    print(
        json.dumps(
            {
                "rows": args.rows,
                "database": connection.vendor,
                "file_mb": round(path.stat().st_size / 2**20, 1),
                "write_xlsx_seconds": round(written, 1),
                "import_seconds": round(imported, 1),
                "rows_per_second": round(args.rows / imported),
                "imported": job.imported,
                "reimport_same_file_seconds": round(reimported, 1),
                "reimported": again.imported,
            }
        )
    )


if __name__ == "__main__":
    main()
