"""Load test: 200 people at once on the production stack, page by page, against the framework's floor.

    python -m bench.load [--users 200] [--think 1,3] [--duration 75] [--workers N] [--page-threads 1]
                         [--entries 5000]

Builds a realistic edition in the middle of its regional stage (bench/load_data.py: 5,000 entries in every
state over the 20 regions, students with consent and their own entries, supervisors' teams, a coordinator
per region, a regional jury panel per region with assignments and scores), starts gunicorn's two pools as
deploy/gunicorn.conf.py sets them up (pages on sync workers, /tus/ on threads) with the production settings
(plus the two bench-only floors, bench/load_urls.py) on 127.0.0.1, and runs Locust (bench/load_users.py) in a
process of its own: the public (landing, results), students (their page, their films, a film's page, a small
film uploaded through /tus/ to the uploads pool), coordinators (the region's films with filters), jurors
(their panels, a panel, a film's scoring page and a saved draft), the floor — a view that only answers
"ok" through the same middleware — the portal's own floor, a signed-in student's empty page in the
site's layout (each page's p95 against it says what the page adds to what every page costs), and the floor of
a write, a juror's form that locks a row, writes one audit record and redirects, all at once,
each user waiting 1–3 s between pages (about 100 requests a second: the deadline evening's rush, and more).
Once every user has signed in and the warm-up is over, each page's requests, rate, p50/p95/p99 and errors are
measured; then a second run, as long, sends the same number of users to the floor alone (as long: the two p95s
then see the same share of the machine's quieter and busier moments). The target: no
errors, and every page's p95 within 3 × the floor's p95 measured in the same run, on the same server under the
same load — and that server not saturated. A server that cannot keep up queues every request, the floor's
too, and the ratios to a floor measured under that load come close to 1 whatever the pages cost: the run
counts as saturated, and the target as not met, when the floor's p95 under load is more than 3 × its p95
alone. That is stricter than saturation alone, which shows in the floor's median (when most requests wait,
the typical one does): a floor request that comes while every pages process is busy with a heavier page
waits for it, and with two processes busy a third of the time that is more than one request in twenty — the
ratios then understate what the pages cost, and such a run does not count either. Both medians are printed.
Each page's p95 against the floor alone is printed too (p95_vs_floor_alone), and gunicorn's CPU milliseconds per
request, which tell a run on a slow hour of a shared host from a run on a fast one, and the share of the
measured time each pages process spent on requests (the microseconds gunicorn logs for each): how often a floor
request finds them all busy and waits behind a heavier page follows from it. Afterwards each page is
requested once more in-process to count its database queries (bench/pages.py, which also measures what each
page costs alone). --page-threads N runs the pages pool on gthread workers instead, for comparison.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a
throw-away database is created next to it and dropped afterwards) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/12: a database of the bench's own, emptied at the end). Files go to a temporary
folder, removed afterwards; every process started is stopped. The last line is one JSON object.
"""

import argparse
import json
import math
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from bench.cpu import children
from bench.pages import query_counts
from bench.scratch import admin, database_urls

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
TARGET_RATIO = 3
_MICROSECONDS = re.compile(r" us=(\d+)$")


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
    if not values:
        return None
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


def _summary(run, names):
    by_name = {name: {"times": [], "errors": 0, "messages": {}} for name in names}
    for name, response_time, failed, message in run["samples"]:
        row = by_name.setdefault(name, {"times": [], "errors": 0, "messages": {}})
        row["times"].append(response_time)
        if failed:
            row["errors"] += 1
            row["messages"][message] = row["messages"].get(message, 0) + 1
    pages = {}
    for name, row in by_name.items():
        times = sorted(row["times"])
        pages[name] = {
            "requests": len(times),
            "rps": round(len(times) / run["seconds"], 2),
            "p50_ms": round(_percentile(times, 0.50), 1) if times else None,
            "p95_ms": round(_percentile(times, 0.95), 1) if times else None,
            "p99_ms": round(_percentile(times, 0.99), 1) if times else None,
            "errors": row["errors"],
        }
        if row["messages"]:
            pages[name]["error_messages"] = row["messages"]
    return pages


def _locust(args, scratch, ports, out, *, floor_only=False, duration, warmup, server_pids=(), server_logs=()):
    command = [
        sys.executable,
        "-m",
        "bench.load_users",
        "--host",
        f"http://{HOST}:{ports['pages']}",
        "--uploads-host",
        f"http://{HOST}:{ports['uploads']}",
        "--accounts",
        str(scratch / "accounts.json"),
        "--film",
        str(scratch / "film.mp4"),
        "--out",
        str(out),
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--warmup",
        str(warmup),
        "--duration",
        str(duration),
        "--think",
        args.think,
    ]
    if floor_only:
        command.append("--floor-only")
    if server_pids:
        command += ["--server-pids", ",".join(str(pid) for pid in server_pids)]
    if server_logs:
        command += ["--server-logs", ",".join(str(path) for path in server_logs)]
    with open(scratch / "locust.log", "ab") as log_file:
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, cwd=BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT, check=True, timeout=1800
        )
    return json.loads(out.read_text())


def _busy_share(log, start, stop, process_seconds):
    """The share of the measured seconds the pages processes spent on requests: the microseconds gunicorn
    logged for each request between two offsets of its access log, over processes × seconds."""
    with open(log, "rb") as handle:
        handle.seek(start)
        lines = handle.read(stop - start).decode(errors="replace").splitlines()
    spent = sum(int(match.group(1)) for line in lines if (match := _MICROSECONDS.search(line)))
    return spent / 1e6 / process_seconds if process_seconds else None


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=20, help="seconds after every user signed in")
    parser.add_argument("--duration", type=float, default=75, help="seconds measured")
    parser.add_argument(
        "--floor-duration", type=float, help="seconds of the floor-only run (default: as long as --duration)"
    )
    parser.add_argument(
        "--workers", type=int, help="processes of the pages pool (deploy/gunicorn.conf.py: one per CPU)"
    )
    parser.add_argument(
        "--page-threads", type=int, default=1, help="1: the pages pool's sync workers; more: gthread, for comparison"
    )
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--think", default="1,3", help="seconds a user waits between pages: min,max")
    args = parser.parse_args()
    if args.floor_duration is None:
        args.floor_duration = args.duration

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-load-"))
    base_url, database_url, database = database_urls("load")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    admin(base_url, f"CREATE DATABASE {database}")
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": "console://",
        "DEFAULT_FROM_EMAIL": "bench@example.kz",
        "SITE_URL": "https://festival.example.kz",
        # Plain HTTP on the loopback: the clients say X-Forwarded-Proto: https, as the TLS proxy would.
        "SECURE_SSL_REDIRECT": "false",
        "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "UPLOAD_TEMP_ROOT": str(scratch / "uploads"),
        "MEDIA_ROOT": str(scratch / "media"),
        "STATIC_ROOT": str(scratch / "static"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    servers = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from bench import load_data
        from judging.models import AuditEvent
        from submissions.models import Film

        for folder in ("private", "uploads", "media"):
            (scratch / folder).mkdir()
        log("==> Database, static files and the edition")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        started = time.monotonic()
        accounts = load_data.build(entries=args.entries)
        # As autovacuum leaves a database that grew over weeks: statistics for the planner, and the visibility
        # map that lets a count come from an index alone.
        with connections["default"].cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        data_seconds = time.monotonic() - started
        (scratch / "accounts.json").write_text(json.dumps(accounts))
        _small_film(scratch / "film.mp4")
        log(f"    {accounts['counts']} in {data_seconds:.0f} s")
        films_before = Film.objects.count()
        saves_before = AuditEvent.objects.filter(action="score_save").count()
        connections.close_all()

        # Both pools of the production configuration, as nginx would reach them.
        ports = {"pages": _free_port(), "uploads": _free_port()}
        pool_env = {"GUNICORN_BIND": f"{HOST}:{ports['pages']}", "GUNICORN_UPLOADS_BIND": f"{HOST}:{ports['uploads']}"}
        if args.workers:
            pool_env["GUNICORN_WORKERS"] = str(args.workers)
        page_threads = (
            ["--worker-class", "gthread", "--threads", str(args.page_threads)] if args.page_threads > 1 else []
        )
        # The production access log with each request's microseconds added: what the pages processes spent
        # on the measured seconds' requests, from which their busy share.
        log_format = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))["access_log_format"] + " us=%(D)s"
        for pool in ("pages", "uploads"):
            servers.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
                     "--access-logformat", log_format, *(page_threads if pool == "pages" else [])],
                    cwd=BASE_DIR,
                    env={**os.environ, **pool_env, "GUNICORN_POOL": pool},
                    stdout=open(scratch / f"gunicorn-{pool}.log", "wb"),  # noqa: SIM115 - lives as long as the server
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )  # fmt: skip
            _wait_for_health(ports[pool], servers[-1])
        workers = len(children(servers[0].pid))

        log(f"==> {args.users} users on every page: warm-up {args.warmup:.0f} s, then {args.duration:.0f} s measured")

        # The CPU figures cover the measured seconds only (the Locust process reads them as it starts and
        # stops recording): not the sign-ins before, each a PBKDF2 hash of a fraction of a second.
        server_pids = [server.pid for server in servers]
        pages_log = scratch / "gunicorn-pages.log"
        mixed = _locust(
            args, scratch, ports, scratch / "mixed.json", duration=args.duration, warmup=args.warmup,
            server_pids=server_pids, server_logs=[pages_log],
        )  # fmt: skip
        pages_busy = _busy_share(pages_log, *mixed["log_offsets"][str(pages_log)], workers * mixed["seconds"])
        server_cpu, services_cpu, machine_cpu = (
            mixed["cpu"]["servers"], mixed["cpu"]["services"], mixed["cpu"]["machine"]
        )  # fmt: skip
        log(f"==> {args.users} users on the floor alone: {args.floor_duration:.0f} s measured")
        alone = _locust(
            args, scratch, ports, scratch / "floor.json", floor_only=True, duration=args.floor_duration, warmup=10,
            server_pids=server_pids,
        )  # fmt: skip
        writes_ok = (
            Film.objects.count() - films_before == mixed["writes"]["uploads"]
            and AuditEvent.objects.filter(action="score_save").count() - saves_before == mixed["writes"]["score_saves"]
        )
        queries = query_counts(accounts)
        connections.close_all()
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
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

    pages = _summary(mixed, PAGES)
    floor_alone = _summary(alone, ["floor"])["floor"]
    floor_p95 = pages["floor"]["p95_ms"]
    floor_p50, floor_alone_p50 = pages["floor"]["p50_ms"], floor_alone["p50_ms"]
    floor_p95_vs_alone = round(floor_p95 / floor_alone["p95_ms"], 2) if floor_p95 and floor_alone["p95_ms"] else None
    saturated = bool(floor_p95_vs_alone and floor_p95_vs_alone > TARGET_RATIO)
    reference_p95 = floor_p95
    startup_failures = sum(mixed["startup_failures"].values())
    # The floor alone failing counts too: its figures would be no reference.
    errors = sum(page["errors"] for page in pages.values()) + startup_failures + floor_alone["errors"]
    signed_in_p95 = pages["floor_signed_in"]["p95_ms"]
    for name in PAGES:
        page = pages[name]
        page["p95_vs_floor"] = round(page["p95_ms"] / floor_p95, 2) if page["p95_ms"] and floor_p95 else None
        # The same page against the portal's own cheapest page: what the page adds to what every page costs.
        page["p95_vs_signed_in_floor"] = (
            round(page["p95_ms"] / signed_in_p95, 2) if page["p95_ms"] and signed_in_p95 else None
        )
        page["p95_vs_floor_alone"] = (
            round(page["p95_ms"] / floor_alone["p95_ms"], 1) if page["p95_ms"] and floor_alone["p95_ms"] else None
        )
        page["queries"] = queries.get(name)
    missing = [name for name in PAGES if not pages[name]["requests"]]
    target_met = (
        errors == 0
        and not missing
        and writes_ok
        and mixed["users"] == args.users
        and floor_p95 is not None
        and floor_alone["p95_ms"] is not None
        and not saturated
        and all(pages[name]["p95_ms"] <= TARGET_RATIO * reference_p95 for name in PAGES)
    )
    total = sum(page["requests"] for page in pages.values())
    # The same requests cost the same CPU on the same machine: this figure says how fast the machine was during
    # the run (a shared host's slow hours show here first), so that runs of two days can be told apart.
    cpu_ms_per_request = round(1000 * server_cpu * mixed["seconds"] / total, 2) if total else None
    # What gunicorn and Django's middleware cost a request on this machine, the floor's view being next to nothing:
    # the share of the figure above that no page can save.
    floor_cpu_ms_per_request = (
        round(1000 * alone["cpu"]["servers"] * alone["seconds"] / floor_alone["requests"], 2)
        if floor_alone["requests"]
        else None
    )
    # How often a floor request finds every pages process busy, and waits behind a heavier page, follows
    # from this: the higher, the more the floor's p95 under load is a wait and not its own cost.
    pages_busy_percent = round(100 * pages_busy, 1) if pages_busy is not None else None

    log("")
    header = ("page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "×floor", "×signed", "SQL")
    log("".join(f"{title:>9}" if column else f"{title:<18}" for column, title in enumerate(header)))
    for name in PAGES:
        page = pages[name]
        figures = [page["requests"], page["rps"], page["p50_ms"], page["p95_ms"], page["p99_ms"], page["errors"],
                   page["p95_vs_floor"], page["p95_vs_signed_in_floor"], page["queries"]]  # fmt: skip
        log(f"{name:<18}" + "".join(f"{'' if value is None else value:>9}" for value in figures))
    log(
        f"{'total':<18}{total:>9}{total / mixed['seconds']:>9.1f}{'':>27}{errors:>9}\n"
        f"floor alone ({args.users} users): p50 {floor_alone['p50_ms']} ms, p95 {floor_alone['p95_ms']} ms, "
        f"p99 {floor_alone['p99_ms']} ms, {floor_alone['rps']} req/s, {floor_alone['errors']} errors\n"
        f"CPU (of one core): gunicorn {server_cpu * 100:.0f}%, Locust {mixed['client_cpu_percent']}%, PostgreSQL "
        f"{services_cpu['postgres'] * 100:.0f}%, Redis {services_cpu['redis-server'] * 100:.0f}%; the whole machine "
        f"{machine_cpu * 100:.0f}% of {os.cpu_count() * 100}%; gunicorn {cpu_ms_per_request} ms of CPU a request "
        f"({floor_cpu_ms_per_request} ms a request of the floor alone)\n"
        f"the {workers} pages processes: each busy with a request {pages_busy_percent}% of the measured time\n"
        f"target (no errors, p95 ≤ {TARGET_RATIO} × {reference_p95} ms on every page): "
        f"{'met' if target_met else 'NOT met'}"
        + f"\nthe floor under load against alone: p50 {floor_p50} / {floor_alone_p50} ms, p95 {floor_p95_vs_alone} ×"
        + (
            f"\nthe server was saturated: the floor's p95 under load is over {TARGET_RATIO} × its p95 alone"
            if saturated
            else ""
        )
    )
    result = {
        "users": args.users,
        "users_by_class": mixed["users_by_class"],
        "spawn_rate": args.spawn_rate,
        "think_seconds": [float(value) for value in args.think.split(",")],
        "seconds_until_all_signed_in": mixed["seconds_until_all_signed_in"],
        "warmup_seconds": args.warmup,
        "measured_seconds": round(mixed["seconds"], 1),
        "gunicorn": {"pages": {"workers": workers, "worker_class": "gthread" if args.page_threads > 1 else "sync",
                               "threads": args.page_threads},
                     "uploads": {"config": "deploy/gunicorn.conf.py"}},
        "data": accounts["counts"],
        "pages": pages,
        "total": {"requests": total, "rps": round(total / mixed["seconds"], 1), "errors": errors},
        "startup_failures": mixed["startup_failures"],
        "floor_alone": floor_alone,
        "writes_checked": writes_ok,
        "server_cpu_percent_of_one_core": round(server_cpu * 100),
        "server_cpu_ms_per_request": cpu_ms_per_request,
        "floor_alone_server_cpu_ms_per_request": floor_cpu_ms_per_request,
        "pages_process_busy_percent": pages_busy_percent,
        "client_cpu_percent_of_one_core": mixed["client_cpu_percent"],
        "postgresql_cpu_percent_of_one_core": round(services_cpu["postgres"] * 100),
        "redis_cpu_percent_of_one_core": round(services_cpu["redis-server"] * 100),
        "machine_cpu_percent": round(machine_cpu * 100),
        "cpu_count": os.cpu_count(),
        "saturated": saturated,
        "floor_p95_under_load_vs_alone": floor_p95_vs_alone,
        "target_ratio": TARGET_RATIO,
        "target_floor_p95_ms": reference_p95,
        "target_met": target_met,
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
