"""Film upload through the tus endpoint: throughput and the web worker's memory, next to tus's own Node.js server.

    python -m bench.upload [--rounds N] [--no-node]
    DATABASE_URL=postgres://… python -m bench.upload

The portal runs under gunicorn (one gthread process, as the uploads pool of deploy/gunicorn.conf.py) with the
development settings minus DEBUG, on a throw-away database: a SQLite file as the README's default, or, with
DATABASE_URL, a database the bench creates on that PostgreSQL server and drops at the end (the role needs
CREATEDB). No Redis: the film's check is queued to kombu's filesystem broker and no worker runs. The bench
signs in as the demo student over HTTP (login form, session cookie, CSRF token) and sends a 100 MiB and a 1 GiB
file in 8 MiB PATCH requests, the chunk size of the portal's uploader. The portal writes every piece to disk and
syncs it (fdatasync) before it answers, so every byte it acknowledges survives a power cut. The target: 1 GiB at
120 MiB/s (1 Gbit/s) or more, the worker's memory the same for 100 MiB as for 1 GiB.

For comparison it installs @tus/server and @tus/file-store from npm into a temporary folder and sends the same
1 GiB file to them the same way. Their file store never syncs (it writes with fs.createWriteStream and calls no
fsync; the bench checks the installed package for one): an acknowledged byte may still be only in the page
cache, so the comparison is information, not a target. The servers take turns (three rounds by default) and the
median is reported: a virtual machine's disk varies from one minute to the next. Everything listens on
127.0.0.1 only and everything is removed afterwards. Prints the figures as one JSON object on its last line.
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
CHUNK = 8 * MIB
SIZES = {"100MiB": 100 * MIB, "1GiB": 1024 * MIB}
HOST = "127.0.0.1"
THREADS = 4
# What the portal must reach for a 1 GiB film, every acknowledged byte synced to disk: 1 Gbit/s.
TARGET_MIB_PER_S = 120
# Every wait is bounded, so that a hung server fails the bench instead of stalling it.
START_TIMEOUT = 60
REQUEST_TIMEOUT = 120
NPM_TIMEOUT = 300

SETTINGS_MODULE = "bench_upload_settings"
SETTINGS = """\
from festival.settings.dev import *  # noqa: F403

# As in production: no debug pages, no query log growing with every request.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
"""

NODE_SERVER = """\
import http from "node:http";
import { Server } from "@tus/server";
import { FileStore } from "@tus/file-store";

const [port, directory] = process.argv.slice(2);
const tus = new Server({ path: "/files", datastore: new FileStore({ directory }) });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), "127.0.0.1", () => {
  console.log("listening");
});
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="uploads of each file to each server")
    parser.add_argument("--no-node", action="store_true", help="skip the Node.js comparison")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-upload-"))
    processes = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, scratch, ignore_errors=True)
        database = cleanup.enter_context(throwaway_database(os.environ.get("DATABASE_URL")))
        cleanup.callback(lambda: [stop(process) for process in processes])
        figures = run(scratch, processes, database, rounds=args.rounds, with_node=not args.no_node)
    print(json.dumps(figures, ensure_ascii=False))


def run(scratch, processes, database, rounds, with_node):
    env = portal_environment(scratch)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    if database:
        os.environ["DATABASE_URL"] = database
    sys.path.insert(0, str(scratch))
    entry_id, email, password = prepare_database()

    log("==> Generating the 1 GiB file")
    source = scratch / "film.mp4"
    digests = write_random_file(source, SIZES)

    port = free_port()
    # As deploy/gunicorn.conf.py's uploads pool serves /tus/ (gthread), in one process to measure.
    gunicorn = subprocess.Popen(  # noqa: S603 (the bench's own command line)
        [sys.executable, "-m", "gunicorn", "festival.wsgi:application", "--bind", f"{HOST}:{port}",
         "--workers", "1", "--worker-class", "gthread", "--threads", str(THREADS), "--timeout", "120",
         "--chdir", str(BASE_DIR)],
        stdout=open(scratch / "gunicorn.log", "wb"),  # noqa: SIM115 (the child keeps it; the folder goes at the end)
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    processes.append(gunicorn)
    wait_for_http(port, "/health/", gunicorn)
    worker = only_child(gunicorn.pid)
    log(f"==> gunicorn on {HOST}:{port}, worker pid {worker}")
    session = login(port, email, password)

    figures = {
        "database": "postgresql" if database else "sqlite",
        "synced": "every PATCH is on disk (fdatasync) before the portal answers it",
        "chunk_mib": CHUNK // MIB,
        "rounds": rounds,
        "gunicorn_workers": 1,
        "gunicorn_worker_class": "gthread",
        "gunicorn_threads": THREADS,
        "target_1GiB_mib_per_s": TARGET_MIB_PER_S,
    }
    node = start_node(scratch, processes, figures) if with_node else None

    runs = {}
    for number in range(1, rounds + 1):
        for label, size in SIZES.items():
            metadata = {"entry": str(entry_id), "filename": f"film-{label}.mp4", "filetype": "video/mp4"}
            result = measured(f"django_{label}", number, worker, port, "/tus/", source, size, metadata, session)
            if stored_film_digest(entry_id) != digests[label]:
                raise SystemExit(f"The stored film differs from the {label} that was sent.")
            runs.setdefault(f"django_{label}", []).append((size, *result))
        if node is not None:
            process, node_port, store = node
            size = SIZES["1GiB"]
            metadata = {"filename": "film-1GiB.mp4", "filetype": "video/mp4"}
            result = measured("node_1GiB", number, process.pid, node_port, "/files", source, size, metadata)
            stored = [p for p in store.iterdir() if p.suffix != ".json"]
            if len(stored) != 1 or stored[0].stat().st_size != size:
                raise SystemExit("The Node.js server did not store the whole file.")
            for path in store.iterdir():
                path.unlink()
            runs.setdefault("node_1GiB", []).append((size, *result))

    for name, results in runs.items():
        size = results[0][0]
        speeds = sorted(size / MIB / seconds for _size, seconds, *_rest in results)
        figures[name] = {
            "mib_per_s": round(statistics.median(speeds), 1),
            "mib_per_s_runs": [round(speed, 1) for speed in speeds],
            "cpu_s_per_gib": round(statistics.median(cpu * 1024 * MIB / size for _size, _s, cpu, *_rest in results), 2),
            "peak_rss_mib": round(max(peak for *_rest, peak, _before in results) / 1024, 1),
            "rss_before_mib": round(min(before for *_rest, before in results) / 1024, 1),
        }
    figures["target_met"] = figures["django_1GiB"]["mib_per_s"] >= TARGET_MIB_PER_S
    if "node_1GiB" in figures:
        # Information only: @tus/server answers before its bytes are on disk (see node_file_store_calls_fsync).
        figures["ratio_portal_to_node_unsynced_1GiB"] = round(
            figures["django_1GiB"]["mib_per_s"] / figures["node_1GiB"]["mib_per_s"], 2
        )
    log(
        f"==> 1 GiB: portal {figures['django_1GiB']['mib_per_s']} MiB/s, every byte synced "
        f"(target {TARGET_MIB_PER_S}: {'met' if figures['target_met'] else 'NOT met'})"
    )
    if "node_1GiB" in figures:
        log(
            f"    @tus/server {figures['node_1GiB']['mib_per_s']} MiB/s, not synced: its file store never calls "
            "fsync, so what it acknowledged may be lost in a power cut"
        )
    return figures


def measured(name, number, pid, *upload):
    """One tus_upload(*upload) to the server `pid`: (seconds, its CPU seconds meanwhile, its peak RSS meanwhile
    in KiB, its RSS before)."""
    settle()
    before = memory_kib(pid)["VmRSS"]
    reset_peak(pid)
    cpu_before = cpu_seconds(pid)
    seconds = tus_upload(*upload)
    cpu = cpu_seconds(pid) - cpu_before
    peak = memory_kib(pid)["VmHWM"]
    log(f"    {name} round {number}: {seconds:.2f} s, {cpu:.2f} s of CPU, peak RSS {peak / 1024:.1f} MiB")
    return seconds, cpu, peak, before


# ---------------------------------------------------------------- the portal


def portal_environment(scratch):
    (scratch / f"{SETTINGS_MODULE}.py").write_text(SETTINGS)
    var = scratch / "var"
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "PYTHONPATH": os.pathsep.join([str(scratch), str(BASE_DIR)]),
        "FESTIVAL_VAR_DIR": str(var),
        "PRIVATE_MEDIA_ROOT": str(var / "private"),
        "UPLOAD_TEMP_ROOT": str(var / "uploads"),
        "MEDIA_ROOT": str(var / "media"),
    }


@contextlib.contextmanager
def throwaway_database(url):
    """None for the default SQLite file (made in the scratch folder), or the URL of a new database on the
    PostgreSQL server of `url`, dropped when the block ends."""
    if not url:
        yield None
        return
    import dj_database_url
    import psycopg2

    params = dj_database_url.parse(url)
    if params["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (or be unset, for SQLite).")
    name = f"festival_bench_upload_{os.getpid()}"

    def execute(statement):
        # Through the server's maintenance database, as Django's test runner does (the one named in the URL
        # need not exist yet), else the one named.
        server = {
            "user": params["USER"] or None,
            "password": params["PASSWORD"] or None,
            "host": params["HOST"] or None,
            "port": params["PORT"] or None,
        }
        try:
            connection = psycopg2.connect(dbname="postgres", **server)
        except psycopg2.OperationalError:
            connection = psycopg2.connect(dbname=params["NAME"], **server)
        connection.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_database():
    """A fresh database with the demo accounts and one draft entry of the demo student."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from festival.models import Edition, User
    from organizing.demo import DEMO_PASSWORD, demo_load
    from submissions.models import Entry

    log(f"==> Preparing a throw-away {connections['default'].display_name} database")
    call_command("migrate", verbosity=0)
    demo_load()
    student = User.objects.get(email="student@demo.kz")
    edition = Edition.objects.current()
    entry = Entry.objects.create(
        edition=edition,
        nomination=edition.nominations.get(code="tv-story"),
        title="Замер скорости",
        language="ru",
        region=student.participant.region,
        created_by=student,
    )
    connections.close_all()
    return entry.pk, student.email, DEMO_PASSWORD


def stored_film_digest(entry_id):
    from django.db import connections

    from submissions.models import Entry
    from submissions.storage import private_storage

    # The film the upload just made: the entry's newest. The earlier rounds' films stay beside it, being checked
    # (no worker runs here), as a replacement stays beside the film in effect until it passes.
    film = Entry.objects.get(pk=entry_id).latest_film
    connections.close_all()
    return file_digest(Path(private_storage().path(film.file)))


def login(port, email, password):
    """Sign in through the login form as a browser does. Returns the cookies and the CSRF token to send."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    connection.request("GET", "/ru/login/")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = cookies_from(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token})
    connection.request(
        "POST",
        "/ru/login/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(cookies)},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    cookies.update(cookies_from(response))
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"Login failed: {response.status}")
    # Signing in rotates the CSRF token: the new cookie is the one the uploader page would carry.
    return {"Cookie": cookie_header(cookies), "X-CSRFToken": cookies["csrftoken"]}


def cookies_from(response):
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# ---------------------------------------------------------------- tus client


def tus_upload(port, collection, source, size, metadata, extra_headers=None):
    """Create an upload of the first `size` bytes of `source` and send them in CHUNK-sized PATCHes. Returns seconds."""
    headers = {"Tus-Resumable": "1.0.0", **(extra_headers or {})}
    encoded = ",".join(f"{key} {b64encode(value.encode()).decode()}" for key, value in metadata.items())
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    connection.request("POST", collection, headers={**headers, "Upload-Length": str(size), "Upload-Metadata": encoded})
    response = connection.getresponse()
    body = response.read()
    if response.status != 201:
        raise SystemExit(f"Creation refused: {response.status} {body[:200]!r}")
    path = urlsplit(response.headers["Location"]).path
    offset = 0
    with open(source, "rb") as data:
        while offset < size:
            chunk = data.read(min(CHUNK, size - offset))
            connection.request(
                "PATCH",
                path,
                body=chunk,
                headers={**headers, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
            )
            response = connection.getresponse()
            body = response.read()
            if response.status != 204:
                raise SystemExit(f"PATCH at {offset} refused: {response.status} {body[:200]!r}")
            offset += len(chunk)
            if int(response.headers["Upload-Offset"]) != offset:
                raise SystemExit(f"The server says {response.headers['Upload-Offset']}, the client sent {offset}.")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


# ---------------------------------------------------------------- tus's Node.js server


def start_node(scratch, processes, figures):
    """Install and start tus's Node.js server. Returns (process, port, store folder), or None if npm failed."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        figures["node_error"] = "node or npm is not installed"
        return None
    folder = scratch / "node"
    folder.mkdir()
    log("==> npm install @tus/server @tus/file-store")
    try:
        installed = subprocess.run(  # noqa: S603 (the bench's own command line)
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder),
             "@tus/server", "@tus/file-store"],
            capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        figures["node_error"] = f"npm install failed: {error}"
        return None
    if installed.returncode != 0:
        figures["node_error"] = "npm install failed: " + installed.stderr.strip()[-500:]
        return None
    figures["node_tus_server_version"] = json.loads(
        (folder / "node_modules" / "@tus" / "server" / "package.json").read_text()
    )["version"]
    figures["node_file_store_calls_fsync"] = calls_fsync(folder / "node_modules" / "@tus" / "file-store")
    figures["node_version"] = subprocess.run(  # noqa: S603 (the bench's own command line)
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    (folder / "server.mjs").write_text(NODE_SERVER)
    store = folder / "files"
    store.mkdir()
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (the bench's own command line)
        [node, str(folder / "server.mjs"), str(port), str(store)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=open(scratch / "node.log", "wb"),  # noqa: SIM115 (the child keeps it; the folder goes at the end)
    )
    processes.append(process)
    wait_for_port(port, process)
    log(f"==> @tus/server {figures['node_tus_server_version']} on {HOST}:{port}, pid {process.pid}")
    return process, port, store


def calls_fsync(package):
    """Whether any JavaScript file of the installed package syncs a file: fs.fsync or fs.fdatasync (and their
    Sync forms), or a FileHandle's sync() or datasync(). None if it has no JavaScript file to read."""
    sources = list(package.rglob("*.js"))
    if not sources:
        return None
    pattern = re.compile(r"\bf(data)?sync(Sync)?\b|\.(data)?sync\(")
    return any(pattern.search(path.read_text(errors="replace")) for path in sources)


# ---------------------------------------------------------------- processes and files


def write_random_file(path, sizes):
    """Random bytes (nothing to compress or deduplicate), with the SHA-256 of each prefix in `sizes`."""
    total = max(sizes.values())
    hasher, digests = hashlib.sha256(), {}
    with open(path, "wb") as out:
        written = 0
        while written < total:
            block = os.urandom(4 * MIB)
            out.write(block)
            hasher.update(block)
            written += len(block)
            for label, size in sizes.items():
                if size == written:
                    digests[label] = hasher.hexdigest()
    if set(digests) != set(sizes):
        raise SystemExit("Every size must be a multiple of 4 MiB.")
    return digests


def file_digest(path):
    with open(path, "rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def settle():
    # Dirty pages of the previous file (the generated source, the last upload) are written back first, so that
    # their writeback does not slow down the upload being measured.
    os.sync()


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port, process):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server exited with {process.returncode}.")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"Nothing listens on {HOST}:{port}.")


def wait_for_http(port, path, process):
    wait_for_port(port, process)
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}.")


def only_child(pid):
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    if len(children) != 1:
        raise SystemExit(f"Expected one gunicorn worker, found {children}.")
    return int(children[0])


def memory_kib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(value) for key, value in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M)}


def cpu_seconds(pid):
    """The user and system time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid):
    # Writing 5 to clear_refs resets the peak resident size, so that each upload reports its own peak.
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError as error:
        log(f"    (could not reset the peak RSS of {pid}: {error}; the figure covers the process's lifetime)")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
