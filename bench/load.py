"""Load test: 200 people at once on the production stack; every page's p95 must stay under 150 ms.

    python -m bench.load [--users 200] [--duration 75] [--warmup 20] [--think 1,3] [--entries 5000]

Builds an edition in the middle of its regional stage on a throw-away PostgreSQL database (bench/load_data.py),
starts gunicorn's two pools as deploy/gunicorn.conf.py sets them up, with the production settings plus three
bench-only pages (bench/load_urls.py: a bare view, a signed-in empty page, the cheapest write), and runs Locust
(bench/load_users.py) in a process of its own: the public, students (with a small upload through /tus/),
coordinators and jurors, each waiting 1–3 s between pages. After every user has signed in and the warm-up is
over, it prints each page's requests, rate, p50/p95/p99, errors, p95 against the bare view's (information
only) and database queries, then PASS or FAIL: no errors and every page's p95 under 150 ms. The last line is
one JSON object. Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and
Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/12, emptied afterwards).
"""

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.scratch import admin, database_urls, production_environment

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PAGES = [
    "landing",
    "results",
    "student_home",
    "student_films",
    "entry",
    "tus_create",
    "tus_patch",
    "coordinator_queue",
    "jury_home",
    "jury_panel",
    "jury_score_get",
    "jury_score_post",
    "floor_signed_in",
    "floor_write",
    "floor",
]
TARGET_P95_MS = 150


def log(message):
    print(message, file=sys.stderr, flush=True)


def _free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_for_health(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped: see its log")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def _percentile(values, fraction):
    """Nearest-rank percentile of a sorted list."""
    return values[max(0, math.ceil(fraction * len(values)) - 1)] if values else None


def _summary(run):
    samples = {name: ([], {}) for name in PAGES}
    for name, response_time, failed, message in run["samples"]:
        times, errors = samples.setdefault(name, ([], {}))
        times.append(response_time)
        if failed:
            errors[message] = errors.get(message, 0) + 1
    pages = {}
    for name, (times, errors) in samples.items():
        times.sort()
        pages[name] = {
            "requests": len(times),
            "rps": round(len(times) / run["seconds"], 2),
            **{f"p{n}_ms": round(_percentile(times, n / 100), 1) if times else None for n in (50, 95, 99)},
            "errors": sum(errors.values()),
        }
        if errors:
            pages[name]["error_messages"] = errors
    return pages


def query_counts(accounts):
    """The database queries of each page a GET opens, as its person, the second time it is opened."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from festival.models import User

    def client(email=None):
        signed = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        if email:
            signed.force_login(User.objects.get(email=email))
        return signed

    student, coordinator, juror = accounts["students"][0], accounts["coordinators"][0], accounts["jurors"][0]
    public, as_student, as_coordinator, as_juror = (
        client(),
        client(student["email"]),
        client(coordinator["email"]),
        client(juror["email"]),
    )
    queue = f"/ru/region/{coordinator['region']}/entries/?state=submitted&nomination={accounts['nominations'][0]}"
    pages = {
        "landing": (public, "/ru/"),
        "results": (public, "/ru/results/"),
        "student_home": (as_student, "/ru/me/"),
        "student_films": (as_student, "/ru/entries/"),
        "entry": (as_student, f"/ru/entries/{student['entry']}/"),
        "coordinator_queue": (as_coordinator, queue),
        "jury_home": (as_juror, "/ru/jury/"),
        "jury_panel": (as_juror, f"/ru/jury/panels/{juror['panel']}/"),
        "jury_score_get": (as_juror, f"/ru/jury/films/{juror['assignments'][0]}/"),
        "floor_signed_in": (as_student, "/bench-floor/signed-in/"),
        "floor": (public, "/bench-floor/"),
    }
    counts = {}
    for name, (visitor, path) in pages.items():
        visitor.get(path)
        with CaptureQueriesContext(connection) as queries:
            status = visitor.get(path).status_code
        counts[name] = len(queries) if status == 200 else f"status {status}"
    return counts


def _small_film(path):
    """Four seconds of ffmpeg's test pattern (a real MP4, about 100 KB); random bytes without ffmpeg."""
    if shutil.which("ffmpeg"):
        subprocess.run(  # noqa: S603
            [  # noqa: S607 - a fixed command line
                "ffmpeg", "-nostdin", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=426x240:rate=25:duration=4",
                "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path),
            ],
            check=True,
            timeout=120,
        )  # fmt: skip
    else:
        path.write_bytes(os.urandom(100 * 1024))


def _locust(args, scratch, ports):
    out = scratch / "locust.json"
    command = [
        sys.executable, "-m", "bench.load_users",
        "--host", f"http://{HOST}:{ports['pages']}", "--uploads-host", f"http://{HOST}:{ports['uploads']}",
        "--accounts", str(scratch / "accounts.json"), "--film", str(scratch / "film.mp4"), "--out", str(out),
        "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--warmup", str(args.warmup),
        "--duration", str(args.duration), "--think", args.think,
    ]  # fmt: skip
    with open(scratch / "locust.log", "wb") as log_file:
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT, check=True, timeout=1800
        )
    return json.loads(out.read_text())


def _stop(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=20, help="seconds after every user signed in")
    parser.add_argument("--duration", type=float, default=75, help="seconds measured")
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--think", default="1,3", help="seconds a user waits between pages: min,max")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-load-"))
    base_url, database_url, database = database_urls("load")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    admin(base_url, f"CREATE DATABASE {database}")
    os.environ.update(
        production_environment(
            scratch,
            database_url=database_url,
            redis_url=redis_url,
            DJANGO_SETTINGS_MODULE="bench.load_settings",
            ALLOWED_HOSTS=HOST,
            # Plain HTTP on the loopback: the clients say X-Forwarded-Proto: https, as the TLS proxy would.
            SECURE_SSL_REDIRECT="false",
            STATIC_ROOT=str(scratch / "static"),
        )
    )
    sys.path.insert(0, str(BASE_DIR))
    servers = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - every view imported now, as the servers import them

        from bench import load_data
        from judging.models import AuditEvent
        from submissions.models import Film

        for folder in ("private", "uploads", "media"):
            (scratch / folder).mkdir()
        log("==> Database, static files and the edition")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        accounts = load_data.build(entries=args.entries)
        with connections["default"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the planner's statistics, as autovacuum keeps them
        (scratch / "accounts.json").write_text(json.dumps(accounts))
        _small_film(scratch / "film.mp4")
        log(f"    {accounts['counts']}")
        films_before = Film.objects.count()
        saves_before = AuditEvent.objects.filter(action="score_save").count()
        connections.close_all()

        ports = {"pages": _free_port(), "uploads": _free_port()}
        for pool in ("pages", "uploads"):
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
                    cwd=BASE_DIR,
                    env={
                        **os.environ,
                        "GUNICORN_POOL": pool,
                        "GUNICORN_BIND": f"{HOST}:{ports['pages']}",
                        "GUNICORN_UPLOADS_BIND": f"{HOST}:{ports['uploads']}",
                    },
                    stdout=open(scratch / f"gunicorn-{pool}.log", "wb"),  # noqa: SIM115 - lives as long as the server
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            _wait_for_health(ports[pool], servers[-1])

        log(f"==> {args.users} users: {args.warmup:.0f} s warm-up once signed in, then {args.duration:.0f} s measured")
        run = _locust(args, scratch, ports)
        # The last minute of the measured seconds: on a shared machine, how much else ran meanwhile.
        load_average = os.getloadavg()[0]
        for server in servers:
            _stop(server)
        # Every upload and score save the users were told succeeded is in the database, and none that was not sent.
        stored = {
            "uploads": Film.objects.count() - films_before,
            "score_saves": AuditEvent.objects.filter(action="score_save").count() - saves_before,
        }
        writes = {name: {"sent": sent, "answered": answered, "stored": stored[name]}
                  for name, (sent, answered) in run["writes"].items()}  # fmt: skip
        writes_ok = all(write["answered"] <= write["stored"] <= write["sent"] for write in writes.values())
        queries = query_counts(accounts)
        connections.close_all()
    finally:
        for server in servers:
            _stop(server)
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
            log(f"Redis not emptied: {error}")
        shutil.rmtree(scratch, ignore_errors=True)

    pages = _summary(run)
    floor_p95 = pages["floor"]["p95_ms"]
    for name, page in pages.items():
        page["p95_vs_floor"] = round(page["p95_ms"] / floor_p95, 1) if page["p95_ms"] and floor_p95 else None
        page["queries"] = queries.get(name)
    startup_failures = sum(run["startup_failures"].values())
    errors = sum(page["errors"] for page in pages.values()) + startup_failures
    total = sum(page["requests"] for page in pages.values())
    slow = [name for name in PAGES if pages[name]["p95_ms"] is None or pages[name]["p95_ms"] >= TARGET_P95_MS]
    worst = max(PAGES, key=lambda name: pages[name]["p95_ms"] or 0)
    problems = [
        *([f"{errors} errors"] if errors else []),
        *([f"p95 of {', '.join(slow)} not under {TARGET_P95_MS} ms (or no requests)"] if slow else []),
        *([f"{run['users']} users of {args.users} ran"] if run["users"] != args.users else []),
        *([] if writes_ok else [f"writes in the database other than those answered: {writes}"]),
    ]

    header = ("page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "p95/floor", "queries")
    log("\n" + "".join(f"{title:>10}" if column else f"{title:<18}" for column, title in enumerate(header)))
    for name in PAGES:
        page = pages[name]
        figures = [page[key] for key in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors", "p95_vs_floor")]
        log(f"{name:<18}" + "".join(f"{'' if value is None else value:>10}" for value in [*figures, page["queries"]]))
    log(f"{'total':<18}{total:>10}{total / run['seconds']:>10.1f}{'':>30}{errors:>10}")
    log(f"the machine's load average over the last minute: {load_average:.1f} on {os.cpu_count()} CPUs")
    for name in PAGES:
        for message, count in pages[name].get("error_messages", {}).items():
            log(f"  {name}: {count} × {message}")
    for message, count in run["startup_failures"].items():
        log(f"  sign-in: {count} × {message}")
    log(
        f"{'PASS' if not problems else 'FAIL'} (target: {args.users} users, no errors, every page's p95 under "
        f"{TARGET_P95_MS} ms): {errors} errors, the worst p95 {pages[worst]['p95_ms']} ms ({worst})"
        + "".join(f"\n  {problem}" for problem in problems)
    )
    print(
        json.dumps(
            {
                "users": run["users"], "users_by_class": run["users_by_class"],
                "think_seconds": [float(value) for value in args.think.split(",")],
                "measured_seconds": round(run["seconds"], 1),
                "cpu_count": os.cpu_count(), "load_average": round(load_average, 2),
                "data": accounts["counts"], "pages": pages,
                "total": {"requests": total, "rps": round(total / run["seconds"], 1), "errors": errors},
                "startup_failures": run["startup_failures"], "writes": writes, "writes_checked": writes_ok,
                "target_p95_ms": TARGET_P95_MS, "worst_page": worst, "passed": not problems,
            },
            ensure_ascii=False,
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
