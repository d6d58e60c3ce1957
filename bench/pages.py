"""What each page costs the server, one request at a time: CPU and wall milliseconds and database queries of
the load test's pages (bench/load.py), in-process through Django's test client, on the same realistic edition
(bench/load_data.py) with the production settings, PostgreSQL and Redis — plus the results night's page, the
published results with 150 winners.

    python -m bench.pages [--entries 5000] [--rounds 7] [--requests 30] [--profile PAGE ...] [--only PAGE ...]

Where bench.load measures the pages under 200 users at once (queueing included), this measures the work of
each: the figure that decides how many requests a second a machine can serve. Each page is requested --rounds
× --requests times after a warm-up; a round's figure is its mean, and the lowest and the median round are
printed (the lowest is the steadiest on a shared machine), with the Python function calls a request makes (the
same on a busy machine and a quiet one: the figure to compare two versions by), and the garbage collector's
share: its milliseconds per request, its full passes per 1000 requests and the longest one (a full pass goes
over every object the process holds, and the page that sets it off waits for it); the milliseconds a request
spends waiting on PostgreSQL and their share of its wall time (database_share: the rest is Python and Redis);
and each page's slowest statement as PostgreSQL times it, planning included (EXPLAIN ANALYZE, the lowest of 20
runs on a warm connection, in a transaction rolled back), with every statement of 0.5 ms or more listed at the
end. --profile PAGE (repeatable) also runs PAGE under cProfile and prints where its time goes, the functions
that took most of it, themselves and with what they called; --only PAGE (repeatable) measures only those
pages. Needs PostgreSQL and Redis as bench.load does (BENCH_DATABASE_URL, BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13). The last line is one JSON object.
"""

import argparse
import base64
import gc
import itertools
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.scratch import admin, database_urls

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# A form's fields as a browser (and bench/load_users.py) sends them; the test client would send multipart,
# which costs Django more to parse.
FORM = {"content_type": "application/x-www-form-urlencoded"}


@dataclass
class Visit:
    """One page as one of the load test's people opens it."""

    name: str
    client: object
    path: str
    expect: int = 200
    method: str = "get"
    data: dict = field(default_factory=dict)
    # Called before each request, outside what is measured: a form's fields as the page last gave them.
    prepare: object = None
    # Further arguments of the client's call: headers, a body's content type.
    extra: dict = field(default_factory=dict)

    def __call__(self):
        if self.prepare:
            self.prepare(self)
        return self.send()

    def send(self):
        """The request alone, without `prepare`."""
        return getattr(self.client, self.method)(self.path, self.data, **self.extra)


def visits(accounts):
    """The load test's pages, each with a client signed in as its person (Django must be set up)."""
    from django.test import Client

    from festival.models import User

    def client_for(email=None):
        client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        if email:
            client.force_login(User.objects.get(email=email))
        return client

    public = client_for()
    student = accounts["students"][-1]
    as_student = client_for(student["email"])
    coordinator = accounts["coordinators"][0]
    as_coordinator = client_for(coordinator["email"])
    juror = accounts["jurors"][0]
    as_juror = client_for(juror["email"])
    score_path = f"/ru/jury/films/{juror['assignments'][0]}/"

    saves = itertools.count()

    def score_form(visit):
        # Other points each time, as the load test's jurors give (at random there): every save changes its items.
        page = as_juror.get(score_path).content.decode()
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        points = next(saves)
        fields = {f"c{pk}": str((points + i) % 11) for i, pk in enumerate(re.findall(r'name="c(\d+)"', page))}
        visit.data = urlencode({**fields, "version": version, "action": "draft"})

    # The uploader's two requests for a small film, as bench/load.py sends them: the tus creation, and the whole
    # file in one PATCH (an upload created beforehand, outside what is measured, which the PATCH completes).
    film = os.urandom(100 * 1024)
    tus = {"Tus-Resumable": "1.0.0"}
    creation = {
        **tus,
        "Upload-Length": str(len(film)),
        "Upload-Metadata": ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}"
            for key, value in (("entry", str(student["entry"])), ("filename", "film.mp4"), ("filetype", "video/mp4"))
        ),
    }

    def no_upload_waiting(visit):
        # In the load test the PATCH after each creation completes the upload: a creation finds none to end.
        from submissions.models import Upload

        Upload.objects.filter(entry_id=student["entry"]).delete()

    def new_upload(visit):
        created = as_student.post("/tus/", headers=creation)
        visit.path = urlsplit(created["Location"]).path

    queue = f"/ru/region/{coordinator['region']}/entries/?state=submitted&nomination={accounts['nominations'][0]}"
    return [
        Visit("floor", public, "/bench-floor/"),
        Visit("floor_signed_in", as_student, "/bench-floor/signed-in/"),
        Visit(
            "floor_write",
            as_juror,
            f"/bench-floor/write/{juror['assignments'][0]}/",
            expect=302,
            method="post",
            data="",
            extra=FORM,
        ),
        Visit("landing", public, "/ru/"),
        Visit("results", public, "/ru/results/"),
        Visit("student_home", as_student, "/ru/me/"),
        Visit("student_films", as_student, "/ru/entries/"),
        Visit("entry", as_student, f"/ru/entries/{student['entry']}/"),
        Visit(
            "tus_create",
            as_student,
            "/tus/",
            expect=201,
            method="post",
            prepare=no_upload_waiting,
            extra={"headers": creation},
        ),
        Visit(
            "tus_patch",
            as_student,
            "",
            expect=204,
            method="patch",
            data=film,
            prepare=new_upload,
            extra={"headers": {**tus, "Upload-Offset": "0"}, "content_type": "application/offset+octet-stream"},
        ),
        Visit("coordinator_queue", as_coordinator, queue),
        Visit("jury_home", as_juror, "/ru/jury/"),
        Visit("jury_panel", as_juror, f"/ru/jury/panels/{juror['panel']}/"),
        Visit("jury_score_get", as_juror, score_path),
        Visit("jury_score_post", as_juror, score_path, expect=302, method="post", prepare=score_form, extra=FORM),
    ]


def query_counts(accounts):
    """Each page's database queries once it has been opened before (what is cached is): the number, or the
    wrong status it answered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for visit in visits(accounts):
        visit()
        if visit.prepare:
            visit.prepare(visit)
            visit.prepare = None
        with CaptureQueriesContext(connection) as queries:
            response = visit()
        counts[visit.name] = len(queries) if response.status_code == visit.expect else f"status {response.status_code}"
    return counts


def _publish_results(awards=150):
    """The results night: awards for `awards` entries of the edition, and the results locked."""
    from festival.models import Edition, User
    from judging.models import Award, ResultsLock
    from submissions.models import Entry

    edition = Edition.objects.get(is_current=True)
    organizer = User.objects.create_user("organizer@example.kz", uuid.uuid4().hex, first_name="Ә", last_name="О")
    entries = Entry.objects.filter(edition=edition).order_by("pk")[:awards]
    Award.objects.bulk_create(
        Award(entry=entry, kind=Award.Kind.PLACE, place=i % 3 + 1, decided_by=organizer)
        for i, entry in enumerate(entries)
    )
    ResultsLock.objects.create(edition=edition, locked=True, changed_by=organizer)


class _Collections:
    """The garbage collector's passes while it is on and `counting` is set (not during a visit's `prepare`): how
    many of each generation, and their milliseconds."""

    def __init__(self):
        self.counts, self.ms, self._start, self.max_full = [0, 0, 0], [0.0, 0.0, 0.0], None, 0.0
        self.counting = True

    def __call__(self, phase, info):
        if not self.counting:
            self._start = None
        elif phase == "start":
            self._start = time.perf_counter()
        elif self._start is not None:
            self.counts[info["generation"]] += 1
            ms = 1000 * (time.perf_counter() - self._start)
            self.ms[info["generation"]] += ms
            if info["generation"] == 2:
                self.max_full = max(self.max_full, ms)

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


class _DatabaseTime:
    """The seconds a connection waits on PostgreSQL, added up while `counting` is set (not during a visit's
    `prepare`, whose requests are not part of the one measured): each statement from sending it to its last
    row (an execute_wrapper; psycopg2 sends a transaction's BEGIN with its first statement) and each COMMIT."""

    def __init__(self, connection):
        self.connection, self.seconds, self.counting = connection, 0.0, True

    def _timed(self, call, *args):
        if not self.counting:
            return call(*args)
        start = time.perf_counter()
        try:
            return call(*args)
        finally:
            self.seconds += time.perf_counter() - start

    def __call__(self, execute, sql, params, many, context):
        return self._timed(execute, sql, params, many, context)

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        commit = self.connection._commit
        self.connection._commit = lambda: self._timed(commit)
        return self

    def __exit__(self, *exc):
        del self.connection._commit
        self._wrapper.__exit__(*exc)


# PostgreSQL's own figures for a statement, from EXPLAIN ANALYZE.
_PLANNING = re.compile(r"Planning Time: ([\d.]+) ms")
_EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")
STATEMENT_LIMIT_MS = 0.5


def _statements(visit, repeats=20):
    """Each statement of one request as PostgreSQL times it: planning plus execution, the lowest of `repeats`
    EXPLAIN ANALYZE runs on a warm connection (what the statement costs the server, without the round trip).
    The request runs in a transaction that is rolled back, and so does each EXPLAIN: a write is timed as it
    ran, on the rows as they were, and nothing stays. Returns [(ms, planning ms, SQL)], slowest first."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    if visit.prepare:
        visit.prepare(visit)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        visit.send()
        transaction.set_rollback(True)
    timed = []
    for query in queries:
        sql = query["sql"]
        if sql.split(None, 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            continue
        best = None
        for _ in range(repeats):
            # Each run rolled back on its own: a write runs on the rows as they were, every time.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                transaction.set_rollback(True)
            planning = float(_PLANNING.search(plan).group(1))
            total = planning + float(_EXECUTION.search(plan).group(1))
            best = min(best or (total, planning), (total, planning))
        timed.append((round(best[0], 3), round(best[1], 3), sql))
    return sorted(timed, reverse=True)


def _measure(visit, rounds, requests):
    for _ in range(5):
        response = visit()
        if response.status_code != visit.expect:
            raise SystemExit(f"{visit.name}: status {response.status_code}, not {visit.expect}")
    from django.db import connection

    cpu_rounds, wall_rounds = [], []
    collections, database = _Collections(), _DatabaseTime(connection)
    with collections, database:
        for _ in range(rounds):
            cpu = wall = 0.0
            for _ in range(requests):
                if visit.prepare:
                    database.counting = collections.counting = False
                    visit.prepare(visit)
                    database.counting = collections.counting = True
                cpu_start, wall_start = time.process_time(), time.perf_counter()
                visit.send()
                cpu += time.process_time() - cpu_start
                wall += time.perf_counter() - wall_start
            cpu_rounds.append(1000 * cpu / requests)
            wall_rounds.append(1000 * wall / requests)
    measured = rounds * requests
    return {
        "cpu_ms_lowest": round(min(cpu_rounds), 2),
        "cpu_ms_median": round(statistics.median(cpu_rounds), 2),
        "wall_ms_lowest": round(min(wall_rounds), 2),
        "wall_ms_median": round(statistics.median(wall_rounds), 2),
        # Time spent waiting on PostgreSQL (each statement from sending it to its last row), and its share of
        # the request's wall time: the rest is Python (and Redis).
        "database_ms": round(database.seconds * 1000 / measured, 2),
        "database_share": round(database.seconds * 1000 / sum(wall_rounds) / requests, 2) if any(wall_rounds) else None,
        "gc_ms": round(sum(collections.ms) / measured, 3),
        "gc_full_per_1000": round(1000 * collections.counts[2] / measured, 1),
        "gc_full_ms_max": round(collections.max_full, 1),
    }


def _calls(visit, requests=5):
    """Python function calls per request (cProfile's count): unlike milliseconds, the same on a busy machine
    and a quiet one, so two versions of a page can be compared on any day."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    for _ in range(requests):
        if visit.prepare:
            visit.prepare(visit)
        profiler.enable()
        visit.send()
        profiler.disable()
    return round(pstats.Stats(profiler).total_calls / requests)


def _profile(visit, requests, lines=45):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    for _ in range(requests):
        if visit.prepare:
            visit.prepare(visit)
        profiler.enable()
        visit.send()
        profiler.disable()
    for order in ("tottime", "cumulative"):
        print(f"--- {visit.name}: {requests} requests, by {order}", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="append", default=[], metavar="PAGE", help="a page to profile")
    parser.add_argument("--only", action="append", default=[], metavar="PAGE", help="measure only these pages")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-pages-"))
    base_url, database_url, database = database_urls("pages")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    admin(base_url, f"CREATE DATABASE {database}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.load_settings",
            "SECRET_KEY": uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": "console://",
            "DEFAULT_FROM_EMAIL": "bench@example.kz",
            "SITE_URL": "https://festival.example.kz",
            "SECURE_SSL_REDIRECT": "false",
            "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
            "UPLOAD_TEMP_ROOT": str(scratch / "uploads"),
            "MEDIA_ROOT": str(scratch / "media"),
            "STATIC_ROOT": str(scratch / "static"),
        }
    )
    sys.path.insert(0, str(BASE_DIR))
    pages, slow = {}, []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from bench import load_data

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        accounts = load_data.build(entries=args.entries)
        with connections["default"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as bench.load does
        counts = query_counts(accounts)
        for visit in visits(accounts):
            if args.only and visit.name not in args.only:
                continue
            statements = _statements(visit)
            pages[visit.name] = {
                **_measure(visit, args.rounds, args.requests),
                "queries": counts[visit.name],
                "python_calls": _calls(visit),
                "slowest_statement_ms": statements[0][0] if statements else None,
                "slowest_statement_planning_ms": statements[0][1] if statements else None,
            }
            slow.extend((visit.name, ms, sql) for ms, _planning, sql in statements if ms >= STATEMENT_LIMIT_MS)
            print(f"{visit.name:<28}{pages[visit.name]}", file=sys.stderr, flush=True)
            if visit.name in args.profile:
                _profile(visit, args.requests)
        if not args.only or {"results_published", "results_published_uncached"} & set(args.only):
            _publish_results()
            from django.test import Client

            public = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
            published = Visit("results_published", public, "/ru/results/")
            pages["results_published"] = {**_measure(published, args.rounds, args.requests), "awards": 150}
            # The same page made afresh each time (what every request cost before it was kept in the cache): the
            # lock's time moves on before each request, outside what is measured, and with it the cache's key.
            from django.utils import timezone

            from judging.models import ResultsLock

            published.name, published.prepare = (
                "results_published_uncached",
                lambda visit: ResultsLock.objects.update(changed_at=timezone.now()),
            )
            pages[published.name] = {**_measure(published, args.rounds, args.requests), "awards": 150}
            for name in ("results_published", "results_published_uncached"):
                print(f"{name:<28}{pages[name]}", file=sys.stderr, flush=True)
        connections.close_all()
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet; the database goes anyway
            pass
        admin(base_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        try:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        except Exception as error:
            print(f"Redis not emptied: {error}", file=sys.stderr)
        shutil.rmtree(scratch, ignore_errors=True)
    for name, ms, sql in slow:
        print(f"{name}: a statement took {ms} ms (over {STATEMENT_LIMIT_MS} ms): {sql[:300]}", file=sys.stderr)
    measured = [page["slowest_statement_ms"] for page in pages.values() if page.get("slowest_statement_ms") is not None]
    print(
        json.dumps(
            {
                "entries": args.entries, "rounds": args.rounds, "requests": args.requests, "pages": pages,
                "slowest_statement_ms": max(measured, default=None),
                "statements_over_limit": [[name, ms, sql[:300]] for name, ms, sql in slow],
                "statement_limit_ms": STATEMENT_LIMIT_MS,
            },
            ensure_ascii=False,
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
