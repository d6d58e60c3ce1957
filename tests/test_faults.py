"""Faults of the machinery around the portal, each on a real process or a real kernel error: Redis restarted
in the middle of a document job, PostgreSQL restarted while gunicorn serves pages, a full disk during a film
upload. Each time the portal recovers by itself, loses nothing that was committed and says what happened.
(A worker killed with SIGKILL in the middle of a job: tests/test_documents_worker.py, also a fault test.)

Redis and PostgreSQL are private instances started by the test on free ports, never the machine's own ones
that the other tests use. `make faults` runs only these tests; the whole suite runs them too.
"""

import contextlib
import errno
import glob
import hashlib
import http.client
import io
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import zipfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings
from django.utils import translation

from certificates.models import Archive, Document, IssueChunk, IssueJob, Kind
from festival.models import Participant, Region
from submissions.models import Film, RegionalParticipant, Upload
from submissions.storage import private_storage, upload_path
from tests import factories, videos
from tests.browser import ru, shot, signed_in_page
from tests.test_tus import created, head, make_entry, patch, patch_stream, signed_in
from tests.workers import ROOT, run_django, start_worker, wait_for

pytestmark = pytest.mark.fault

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stop(process, sig=signal.SIGTERM, group=False):
    """Stop a process this test started (and, with `group`, the processes it started in its own group)."""
    if process is None or process.poll() is not None:
        return

    def send(signal_number):
        if group:
            os.killpg(process.pid, signal_number)
        else:
            process.send_signal(signal_number)

    send(sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(10)


class PrivateRedis:
    """A redis-server of the test's own that keeps nothing on disk: restarted, it has forgotten every message."""

    def __init__(self, binary, folder):
        self.binary, self.folder, self.port, self.process = binary, folder, free_port(), None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self):
        return f"redis://{HOST}:{self.port}/0"

    def command(self, *args):
        with redis.Redis(host=HOST, port=self.port, socket_timeout=5) as client:
            return client.execute_command(*args)

    def start(self):
        command = [self.binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, 15, f"redis-server on port {self.port}")

    def _answers(self):
        assert self.process.poll() is None, (self.folder / "redis.log").read_text()
        try:
            return self.command("PING")
        except redis.ConnectionError:
            return False

    def kill(self):
        """The hard way: no chance to write anything anywhere (nor would it, with --save "")."""
        stop(self.process, signal.SIGKILL)


@pytest.fixture
def private_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(binary, tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


# ---------------------------------------------------------------- Redis restarted in the middle of a job

PEOPLE = 400
CHUNK = 20


# Worker processes share the test database; the broker is a private Redis of the test's own.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_restarted_mid_job_forgets_the_queue_and_the_watchdog_sends_the_rest(private_redis, tmp_path):
    edition = factories.open_edition()
    region = Region.objects.get(code="turkistan")
    people = Participant.objects.bulk_create(
        [
            Participant(last_name=f"Оқушы{i:04d}", first_name="Дәулет", birth_date="2011-05-05", region=region)
            for i in range(PEOPLE)
        ]
    )
    RegionalParticipant.objects.bulk_create([RegionalParticipant(edition=edition, participant=p) for p in people])
    organizer = factories.organizer()
    broker = {"REDIS_URL": private_redis.url}
    queue = settings.DOCUMENT_QUEUE

    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed at the end
    worker = start_worker(log, **broker)
    try:
        # As the web process does: the job is planned and its chunks are queued on the (private) broker.
        job_id = int(
            run_django(
                "from certificates import services\n"
                "from certificates.models import Kind\n"
                "from festival.models import Edition, User\n"
                f"job = services.job_start(edition=Edition.objects.get(pk={edition.pk}), kinds=[Kind.CERTIFICATE],"
                f" by=User.objects.get(pk={organizer.pk}))\n"
                "print(job.pk)\n",
                DOCUMENT_CHUNK_SIZE=str(CHUNK),
                **broker,
            )
        )
        assert IssueChunk.objects.filter(job_id=job_id).count() == PEOPLE // CHUNK
        done = lambda: IssueChunk.objects.filter(job_id=job_id, status="done").count()  # noqa: E731
        wait_for(lambda: done() >= 2, 120, "the first chunks")

        queued = private_redis.command("LLEN", queue)
        private_redis.kill()
        private_redis.start()
        restarted_at = done()
        assert queued > 0 and restarted_at < PEOPLE // CHUNK, "the job was nearly over before the restart"
        assert private_redis.command("LLEN", queue) == 0, "the restarted Redis still had the messages"

        # The scheduler's watchdog finds the job stalled and sends its unfinished chunks again.
        run_django(
            "import datetime\n"
            "from django.utils import timezone\n"
            "from certificates import services\n"
            "services.jobs_watchdog(now=timezone.now() + services.STALE_AFTER + datetime.timedelta(seconds=1))\n",
            **broker,
        )
        wait_for(lambda: IssueJob.objects.get(pk=job_id).status == IssueJob.Status.DONE, 300, "the job to finish")
        # The same worker went on: it reconnected to the restarted broker by itself.
        assert worker.poll() is None, "the worker did not survive the restart of Redis"
    finally:
        stop(worker, group=True)
        log.close()

    documents = Document.objects.filter(edition=edition, kind=Kind.CERTIFICATE)
    assert documents.count() == PEOPLE
    assert documents.values("basis").distinct().count() == PEOPLE
    assert sorted(documents.values_list("number", flat=True)) == list(range(1, PEOPLE + 1))
    storage = private_storage()
    files = list(documents.values_list("file", flat=True))
    assert len(set(files)) == PEOPLE and all(storage.exists(name) for name in files)
    assert len(list(Path(storage.path(files[0])).parent.glob("*.pdf"))) == PEOPLE
    archive = Archive.objects.get(edition=edition, kind=Kind.CERTIFICATE, region=region)
    with storage.open(archive.file, "rb") as handle, zipfile.ZipFile(handle) as content:
        assert len(content.namelist()) == PEOPLE == len(set(content.namelist()))


# ---------------------------------------------------------------- PostgreSQL restarted while pages are served


def _postgres_bin():
    # Debian keeps the server's programs out of PATH, in a folder of each major version.
    versions = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found = shutil.which("initdb") or max(versions, key=lambda p: [int(n) for n in re.findall(r"\d+", p)], default=None)
    return Path(found).resolve().parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, listening on a free port of 127.0.0.1 only.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` account (in a folder of its
    own, since the test's temporary folder is closed to other accounts)."""

    def __init__(self, bindir, folder, account):
        self.bindir, self.folder, self.port = bindir, folder, free_port()
        self.as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
        self.data = folder / "data"

    @property
    def url(self):
        return f"postgres://postgres@{HOST}:{self.port}/festival"

    def _run(self, *args):
        done = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            **self.as_account,
        )
        assert done.returncode == 0, done.stdout + done.stderr + self.log()
        return done

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")

    def start(self):
        options = f"-p {self.port} -c listen_addresses={HOST} -c unix_socket_directories='' -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w", "-o", options, "start")

    def stop(self, mode="fast"):
        """fast: clients are disconnected and the server shuts down cleanly; immediate: as after a crash, the
        next start replays the write-ahead log."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def query(self, sql, *params):
        import psycopg2

        with contextlib.closing(psycopg2.connect(self.url)) as db, db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def running(self):
        return (self.data / "postmaster.pid").exists()

    def log(self):
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture
def private_postgres(tmp_path):
    bindir = _postgres_bin()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    account, folder = None, tmp_path / "postgres"
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL does not run as root and there is no postgres account to run it")
        folder = Path(tempfile.mkdtemp(prefix="festival-fault-postgres-"))
        os.chown(folder, account.pw_uid, account.pw_gid)
    folder.mkdir(exist_ok=True)
    server = PrivatePostgres(bindir, folder, account)
    try:
        server.init()
        server.start()
        import psycopg2

        with contextlib.closing(psycopg2.connect(server.url.replace("/festival", "/postgres"))) as admin:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute("CREATE DATABASE festival")
        yield server
    finally:
        if server.running():
            server.stop()
        if account is not None:
            shutil.rmtree(folder, ignore_errors=True)


SETTINGS = """\
from festival.settings.production import *

# Collecting and compressing the static files takes minutes: the pages name them without a manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""


def production_env(tmp_path, database_url, redis_url):
    """The production settings, as a deployment sets them, for a portal on 127.0.0.1 over plain HTTP."""
    (tmp_path / "fault_settings.py").write_text(SETTINGS)
    (tmp_path / "static").mkdir()
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="fault_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        SECRET_KEY="fault-test-key-" + "0123456789abcdef" * 4,
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_URL="console://",
        DEFAULT_FROM_EMAIL="festival@example.kz",
        SITE_URL="https://festival.example.kz",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        UPLOAD_TEMP_ROOT=str(tmp_path / "uploads"),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="false",
    )


def request(port, method, path, body=None, headers=None):
    """One request on a connection of its own. Returns the status, the text and the cookies set."""
    client = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        text = response.read().decode(errors="replace")
    finally:
        client.close()
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return response.status, text, {name: morsel.value for name, morsel in jar.items()}


def sign_in(port, email, password):
    """The login form, as a browser sends it. Returns the cookies of the session."""
    status, page, cookies = request(port, "GET", "/ru/login/")
    assert status == 200, page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": _cookie_header(cookies),
    }
    status, page, more = request(port, "POST", "/ru/login/", form, headers)
    assert status == 302 and "sessionid" in more, page
    return {**cookies, **more}


def gunicorn_workers(pid):
    return set(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


# The production stack (gunicorn, PostgreSQL, Redis), on private servers: with the PostgreSQL and Redis run.
@pytest.mark.postgres
@pytest.mark.redis
def test_postgresql_restarted_while_pages_are_served(private_postgres, private_redis, tmp_path):
    env = production_env(tmp_path, private_postgres.url, private_redis.url)
    email, password = "aigul.teacher@example.kz", "Kino-festival-2025"
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django\n"
            "django.setup()\n"
            "from django.core.management import call_command\n"
            "from django.utils import timezone\n"
            "from festival.models import User\n"
            "call_command('migrate', verbosity=0)\n"
            f"User.objects.create_user({email!r}, {password!r}, first_name='Айгүл', last_name='Сәрсенова',"
            " kind=User.Kind.SUPERVISOR, email_confirmed_at=timezone.now())\n",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr

    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed at the end
    command = [sys.executable, "-m", "gunicorn", "festival.wsgi:application", "--bind", f"{HOST}:{port}"]
    web = subprocess.Popen(
        [*command, "--workers", "2", "--timeout", "30", "--chdir", str(ROOT)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = lambda path: request(port, "GET", path)[0]  # noqa: E731

    def last_login():
        return private_postgres.query("SELECT last_login FROM festival_user WHERE email = %s", email)[0]

    try:
        wait_for(lambda: _answers(port, web), 30, "gunicorn to answer")
        assert [served("/ru/") for _ in range(6)] == [200] * 6
        workers = gunicorn_workers(web.pid)
        first = sign_in(port, email, password)
        first_login = last_login()
        assert first_login is not None

        private_postgres.stop()
        for _ in range(4):
            # The landing page reads the current edition from the database: the error page.
            assert served("/ru/") == 500
            # A signed-in person's page: the error page too.
            status, page, _cookies = request(port, "GET", "/ru/me/", headers={"Cookie": _cookie_header(first)})
            assert status == 500, page
            # The error page, in the reader's language (among others), and nothing of the error itself.
            assert "Ошибка" in page and "Traceback" not in page and "psycopg" not in page.lower()
            status, text, _cookies = request(port, "GET", "/health/")
            assert status == 503, text
            assert "Traceback" not in text and "psycopg" not in text.lower()

        private_postgres.start()
        # No restart of the web process: its workers connect again on the next request.
        assert [served("/ru/") for _ in range(6)] == [200] * 6
        assert served("/health/") == 200
        # What was committed before is there: the sign-in, and the session it opened.
        assert last_login() == first_login
        assert account_page(port, first) == (200, True)

        # A crash this time, with no request in between: each worker still holds a connection to the server
        # that is gone, and the next request must not fail because of it.
        second = sign_in(port, email, password)
        second_login = last_login()
        private_postgres.stop("immediate")
        private_postgres.start()
        assert [served("/ru/") for _ in range(6)] == [200] * 6
        assert last_login() == second_login > first_login
        assert account_page(port, second) == (200, True)
        assert web.poll() is None and gunicorn_workers(web.pid) == workers, "the web process was restarted"
    finally:
        stop(web)
        log.close()


def account_page(port, cookies):
    """The status of the signed-in account's own page, and whether the page shows the account's name."""
    status, page, _cookies = request(port, "GET", "/ru/me/", headers={"Cookie": _cookie_header(cookies)})
    return status, "Айгүл" in page


def _cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _answers(port, process):
    assert process.poll() is None, "gunicorn exited"
    try:
        return request(port, "GET", "/health/")[0] == 200
    except OSError:
        return False


# ---------------------------------------------------------------- a full disk during an upload

OUT_OF_SPACE = "The server is out of space. What has arrived is kept: try again later to send the rest."


def fill_disk(path):
    """From now on, writing to the upload's file fails in the kernel with ENOSPC, as on a full file system: the
    file becomes a link to /dev/full (in one step, as a rename). What the file held is kept aside, returned."""
    kept, link = path.with_name(f"{path.name}.kept"), path.with_name(f"{path.name}.full")
    os.link(path, kept)
    os.symlink("/dev/full", link)
    os.replace(link, path)
    return kept


def free_disk(path, kept):
    os.replace(kept, path)


@pytest.mark.django_db
def test_disk_full_during_an_upload_keeps_what_arrived_and_the_upload_resumes(
    edition, monkeypatch, django_capture_on_commit_callbacks
):
    # The film check is another part of the system: here it is only recorded as queued.
    monkeypatch.setattr("submissions.tasks.check_film.delay", lambda *args: None)
    student = factories.student_with_consent()
    student.language = "kk"
    student.save(update_fields=["language"])
    entry = make_entry(edition, student)
    client = signed_in(student)
    piece = 3 * 1024 * 1024 // 2  # more than the server reads at a time: the refusal comes mid-body
    film = os.urandom(3 * piece)
    url = created(client, entry, len(film))
    assert patch(client, url, 0, film[:piece]).status_code == 204
    upload_id = url.rstrip("/").rsplit("/", 1)[-1]
    path = upload_path(upload_id)

    kept = fill_disk(path)
    with pytest.raises(OSError) as full, open(path, "r+b", buffering=0) as probe:
        probe.write(b"x")
    assert full.value.errno == errno.ENOSPC

    body = io.BytesIO(film[piece : 2 * piece])
    response = patch_stream(client, url, piece, body, piece)
    assert response.status_code == 507
    # The rest of the body was read (and dropped), so that a client still sending gets the answer.
    assert body.tell() == piece
    assert response["Content-Type"].startswith("text/plain")
    with translation.override("kk"):
        expected = translation.gettext(OUT_OF_SPACE)
    assert response.content.decode() == expected
    # Nothing of the refused piece is counted: the offset is where the last accepted piece left it.
    assert Upload.objects.get(pk=upload_id).offset == piece
    assert head(client, url)["Upload-Offset"] == str(piece)
    assert not Film.objects.filter(entry=entry).exists()

    # Space again: the upload area holds what was accepted, and the client resumes from the server's offset.
    free_disk(path, kept)
    assert path.read_bytes() == film[:piece]
    offset = int(head(client, url)["Upload-Offset"])
    assert patch(client, url, offset, film[offset : 2 * piece]).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        response = patch(client, url, 2 * piece, film[2 * piece :])
    assert response.status_code == 204
    stored = Film.objects.get(entry=entry)
    digest = hashlib.sha256(Path(private_storage().path(stored.file)).read_bytes()).hexdigest()
    assert digest == hashlib.sha256(film).hexdigest()
    assert not Path(path).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_uploader_tells_the_child_the_server_is_out_of_space_and_goes_on_later(browser, live_server, tmp_path):
    factories.open_edition()
    entry = factories.entry(title="Тау басында")
    # A child who uses the site in Russian: the server's messages come in the account's language.
    type(entry.created_by).objects.filter(pk=entry.created_by_id).update(language="ru")
    film = videos.mp4(tmp_path, seconds=2)
    page = signed_in_page(browser, live_server, entry.created_by)
    full = {}

    def disk_fills_up(route):
        # The first piece finds the disk full; the request itself goes to the server unchanged.
        if route.request.method == "PATCH" and not full:
            path = upload_path(route.request.url.rstrip("/").rsplit("/", 1)[-1])
            full["path"], full["kept"] = path, fill_disk(path)
        route.continue_()

    from playwright.sync_api import expect

    page.route("**/tus/**", disk_fills_up)
    page.goto(f"{live_server.url}/ru/entries/{entry.pk}/")
    page.set_input_files("#film-file", str(film))
    status = page.get_by_test_id("upload-status")
    # While it retries, the uploader says what the server said, in the child's language.
    expect(status).to_have_text(ru(OUT_OF_SPACE), timeout=20000)
    shot(page, "fault-upload-out-of-space")

    free_disk(full["path"], full["kept"])
    # The next retry finds room: the upload ends by itself. (Playwright's calls are what let the route above
    # pass requests on: the wait is one of them.)
    expect(status).to_have_text(ru("Uploaded. The server is checking the film."), timeout=60000)
    stored = Film.objects.get(entry=entry)
    assert Path(private_storage().path(stored.file)).read_bytes() == film.read_bytes()
