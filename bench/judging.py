"""The jury's numbers: rankings for the republican stage (150 finalists, 8 nominations, 30 jurors, all
scores in, from the database) and for the regional stages (96,065 entries in 20 regions, 3 jurors each,
computed by the ranking module from scores in memory), and the p95 time of a juror's scoring page.

    python -m bench.judging [--regional-entries N] [--page-requests N]

Uses a throw-away SQLite database unless DATABASE_URL is set. The last line is one JSON object.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--regional-entries", type=int, default=96065)
    parser.add_argument("--page-requests", type=int, default=200)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings.dev")
    os.environ.setdefault("FESTIVAL_VAR_DIR", str(scratch))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from festival.models import Edition, Participant, Region, RoleGrant, School, User
    from festival.services import edition_create, role_grant
    from judging import aggregation, services
    from judging.models import Assignment, Panel, PanelMember, Score, ScoreItem
    from judging.selectors import panels_results
    from organizing.demo import demo_phases
    from submissions.models import Entry, EntryAuthor

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    rng = random.Random(2023)
    edition = Edition.objects.filter(is_current=True).first() or edition_create(
        year=timezone.now().year,
        title_kk="Б",
        title_ru="Б",
        title_en="B",
        phases=demo_phases(timezone.localtime()),
        make_current=True,
    )
    services.criteria_default_create(edition=edition)
    regions = list(Region.objects.all())
    creator, _ = User.objects.get_or_create(
        email="bench-owner@example.kz", defaults={"first_name": "B", "last_name": "B"}
    )
    school = School.objects.get_or_create(region=regions[0], name="Bench school")[0]

    # ---- republican stage: 150 finalists, 8 nominations, 30 jurors, every score submitted
    nominations = list(edition.nominations.all())
    entries = []
    for number in range(150):
        region = regions[number % len(regions)]
        entries.append(
            Entry(
                edition=edition,
                nomination=nominations[number % len(nominations)],
                title=f"F{number}",
                language="ru",
                region=region,
                created_by=creator,
                state=Entry.State.REPUBLICAN_PARTICIPANT,
            )
        )
    entries = Entry.objects.bulk_create(entries)
    child = Participant.objects.create(
        last_name="Б", first_name="Б", birth_date="2012-01-01", region=regions[0], school=school
    )
    EntryAuthor.objects.bulk_create(EntryAuthor(entry=e, participant=child, role="director") for e in entries)
    jurors = []
    for number in range(30):
        juror, _ = User.objects.get_or_create(
            email=f"juror{number}@example.kz",
            defaults={
                "first_name": "J",
                "last_name": str(number),
                "kind": User.Kind.STAFF,
                "email_confirmed_at": timezone.now(),
            },
        )
        role_grant(user=juror, role=RoleGrant.Role.JUROR)
        jurors.append(juror)
    panels = []
    for index, nomination in enumerate(nominations):
        panel = Panel.objects.create(
            edition=edition,
            stage=Panel.Stage.REPUBLICAN,
            name_ru=f"P{index}",
            deadline=timezone.now() + timezone.timedelta(days=30),
            tie_break=[["chair"]],
        )
        panel.nominations.add(nomination)
        members = jurors[index * 30 // len(nominations) : (index + 1) * 30 // len(nominations)]
        PanelMember.objects.bulk_create(PanelMember(panel=panel, juror=j) for j in members)
        Panel.objects.filter(pk=panel.pk).update(chair=members[0])
        services.assignments_build(panel=panel)
        panels.append(panel)
    criteria = list(edition.criteria.all())
    scores = Score.objects.bulk_create(
        Score(assignment=a, status=Score.Status.SUBMITTED) for a in Assignment.objects.all()
    )
    ScoreItem.objects.bulk_create(
        (ScoreItem(score=s, criterion=c, value=rng.randint(3, 10)) for s in scores for c in criteria),
        batch_size=5000,
    )
    started = time.perf_counter()
    ranked = sum(len(r.rows) for _panel, rankings in panels_results(Panel.objects.all()) for r in rankings)
    republican_seconds = time.perf_counter() - started

    # ---- regional stages, stored: 96,065 entries in 20 regional panels of 3 jurors, every score submitted
    started = time.perf_counter()
    regional_jurors = []
    for number in range(60):
        juror, _ = User.objects.get_or_create(
            email=f"regional{number}@example.kz",
            defaults={"first_name": "R", "last_name": str(number), "kind": User.Kind.STAFF},
        )
        regional_jurors.append(juror)
    regional_panels = []
    for index, region in enumerate(regions):
        panel = Panel.objects.create(
            edition=edition,
            stage=Panel.Stage.REGIONAL,
            region=region,
            name_ru=f"R{index}",
            deadline=timezone.now() + timezone.timedelta(days=30),
            method="trimmed",
            normalise=True,
            tie_break=[["chair"]],
        )
        panel.nominations.add(*nominations)
        members = regional_jurors[index * 3 : (index + 1) * 3]
        PanelMember.objects.bulk_create(PanelMember(panel=panel, juror=j) for j in members)
        Panel.objects.filter(pk=panel.pk).update(chair=members[0])
        regional_panels.append((panel, members))
    stored = 0
    chunk = 4000
    for start in range(0, args.regional_entries, chunk):
        batch = []
        for number in range(start, min(start + chunk, args.regional_entries)):
            region_index = number % len(regions)
            batch.append(
                Entry(
                    edition=edition,
                    nomination=nominations[number % len(nominations)],
                    title=f"R{number}",
                    language="kk",
                    region=regions[region_index],
                    created_by=creator,
                    state=Entry.State.ACCEPTED,
                )
            )
        batch = Entry.objects.bulk_create(batch)
        assignments = Assignment.objects.bulk_create(
            Assignment(panel=regional_panels[regions.index(e.region)][0], juror=j, entry=e)
            for e in batch
            for j in regional_panels[regions.index(e.region)][1]
        )
        batch_scores = Score.objects.bulk_create(
            Score(assignment=a, status=Score.Status.SUBMITTED) for a in assignments
        )
        ScoreItem.objects.bulk_create(
            (ScoreItem(score=s, criterion=c, value=rng.randint(0, 10)) for s in batch_scores for c in criteria),
            batch_size=10000,
        )
        stored += len(batch)
    regional_stored_seconds = time.perf_counter() - started
    started = time.perf_counter()
    # One panel at a time, as its results page reads it.
    regional_db_rows = sum(
        len(r.rows) for panel, _m in regional_panels for _panel, rankings in panels_results([panel]) for r in rankings
    )
    regional_db_seconds = time.perf_counter() - started

    # ---- regional stages: the same size, the ranking module alone (scores in memory)
    math_criteria = [aggregation.Criterion(id=c.pk, maximum=c.maximum, weight=float(c.weight)) for c in criteria]
    per_region = {}
    for number in range(args.regional_entries):
        region = number % 20
        jurors_of_region = per_region.setdefault(region, {f"{region}-{j}": {} for j in range(3)})
        for juror_scores in jurors_of_region.values():
            juror_scores[number] = {c.id: rng.randint(0, 10) for c in math_criteria}
    started = time.perf_counter()
    regional_rows = 0
    for region_scores in per_region.values():
        regional_rows += len(
            aggregation.panel_ranking(
                region_scores,
                math_criteria,
                method="trimmed",
                normalise=True,
                rules=[("chair",)],
                chair=next(iter(region_scores)),
            )
        )
    regional_seconds = time.perf_counter() - started

    # ---- the juror's scoring page
    juror = jurors[0]
    client = Client()
    client.force_login(juror)
    assignments = list(Assignment.objects.filter(juror=juror).values_list("pk", flat=True))
    timings, query_counts = [], set()
    for number in range(args.page_requests):
        url = f"/ru/jury/films/{assignments[number % len(assignments)]}/"
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        query_counts.add(len(queries))
    timings.sort()
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "republican": {
                    "finalists": 150,
                    "nominations": len(nominations),
                    "jurors": 30,
                    "ranked": ranked,
                    "rankings_seconds": round(republican_seconds, 3),
                },
                "regional_from_database": {
                    "entries": stored,
                    "panels": len(regional_panels),
                    "jurors_per_panel": 3,
                    "ranked": regional_db_rows,
                    "rankings_seconds": round(regional_db_seconds, 2),
                    "storing_seconds": round(regional_stored_seconds, 1),
                    "method": "trimmed mean, z-normalised, chair tie-break",
                },
                "regional": {
                    "entries": args.regional_entries,
                    "regions": 20,
                    "jurors_per_region": 3,
                    "ranked": regional_rows,
                    "rankings_seconds": round(regional_seconds, 2),
                    "method": "trimmed mean, z-normalised, chair tie-break",
                    "source": "in memory",
                },
                "scoring_page": {
                    "requests": len(timings),
                    "p50_ms": round(statistics.median(timings) * 1000, 1),
                    "p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
                    "queries_per_page": sorted(query_counts),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
