"""The simulated people of the load test (Locust users), and the Locust run itself, as a process of its own.

    python -m bench.load_users --host URL --accounts FILE --film FILE --out FILE [--users 200] ...

Started by bench/load.py. Every user signs in once through the real login form (CSRF token from the
cookie), then opens its pages with a pause between them, as a person would. Requests say they came through
the TLS proxy (X-Forwarded-Proto), which the production settings trust; redirects are not followed, so a
lost session shows up as a wrong status instead of a login page. Response times are recorded after the
warm-up only, with their full precision, and written to --out as JSON.
"""

# Locust patches the standard library for gevent as it is imported: it comes first.
import locust  # isort: skip

import argparse
import base64
import itertools
import json
import random
import re
import time
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment

VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')
CRITERION_FIELD = re.compile(r'name="c(\d+)"')

ACCOUNTS = {}
FILM = b""
# Where /tus/ goes: gunicorn's uploads pool (nginx sends it there in production).
UPLOADS = {"host": ""}
RECORDING = {"on": False}
SAMPLES = []
# Writes over the whole run, warm-up included, as [sent, answered]: load.py checks the database against them (a
# write still under way when the run stops may be stored without an answer).
WRITES = {"uploads": [0, 0], "score_saves": [0, 0]}
# Users done signing in (or refused): the measurement starts once every one is.
SIGNED = {"done": 0}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **_kwargs):
    if RECORDING["on"]:
        SAMPLES.append((name, response_time, exception is not None, str(exception)[:200] if exception else ""))


class Visitor(FastHttpUser):
    abstract = True
    # A person reads a page for a few seconds before the next one (--think changes it).
    wait_time = between(1, 3)
    accounts_key = None
    _counter = None

    def on_start(self):
        self.origin = self.host.replace("http://", "https://", 1)
        if self.accounts_key:
            pool = ACCOUNTS[self.accounts_key]
            self.account = pool[next(type(self)._counter) % len(pool)]
            try:
                self.sign_in(self.account["email"], ACCOUNTS["password"])
            finally:
                SIGNED["done"] += 1

    def headers(self, **extra):
        return {"X-Forwarded-Proto": "https", "Origin": self.origin, **extra}

    def csrf_token(self):
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def send(self, method, path, name, expect, check=None, **kwargs):
        """One request, not following redirects; a status other than `expect` (or a failed `check`) fails it."""
        kwargs["headers"] = self.headers(**kwargs.get("headers", {}))
        with self.client.request(
            method, path, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code != expect:
                response.failure(f"status {response.status_code}: {(response.text or '')[:200]}")
            elif check is not None and not check(response):
                response.failure("unexpected answer")
        # The session and CSRF cookies are Secure, as in production; the client speaks plain HTTP to the
        # loopback on behalf of the TLS proxy, so it must send them anyway.
        for cookie in self.client.cookiejar:
            cookie.secure = False
        return response

    def get(self, path, name):
        return self.send("GET", path, name, 200)

    def sign_in(self, email, password):
        self.get("/ru/login/", "login_form")
        response = self.send(
            "POST",
            "/ru/login/",
            "login",
            302,
            data={"username": email, "password": password, "csrfmiddlewaretoken": self.csrf_token()},
            headers={"Referer": f"{self.origin}/ru/login/"},
        )
        if response.status_code != 302:
            raise locust.exception.StopUser


class PublicVisitor(Visitor):
    """Someone reading about the festival: the landing page and the results."""

    weight = 6

    @task(3)
    def landing(self):
        self.get("/ru/", "landing")

    @task(1)
    def results(self):
        self.get("/ru/results/", "results")


class Student(Visitor):
    """A student in the middle of the regional stage: their page, their films, a film's page, an upload."""

    weight = 8
    accounts_key = "students"
    _counter = itertools.count()

    @task(2)
    def home(self):
        self.get("/ru/me/", "student_home")

    @task(2)
    def films(self):
        self.get("/ru/entries/", "student_films")

    @task(3)
    def entry(self):
        self.get(f"/ru/entries/{self.account['entry']}/", "entry")

    @task(1)
    def signed_in_floor(self):
        """The portal's own floor: an empty page in the site's layout, for this signed-in student."""
        self.get("/bench-floor/signed-in/", "floor_signed_in")

    @task(1)
    def upload(self):
        """The uploader's requests for a small film: tus creation, then the whole file in one PATCH."""
        metadata = ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}"
            for key, value in (
                ("entry", str(self.account["entry"])),
                ("filename", "film.mp4"),
                ("filetype", "video/mp4"),
            )
        )
        uploads = UPLOADS["host"]
        origin = uploads.replace("http://", "https://", 1)
        created = self.send(
            "POST",
            f"{uploads}/tus/",
            "tus_create",
            201,
            headers={
                "Origin": origin,
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(FILM)),
                "Upload-Metadata": metadata,
                "X-CSRFToken": self.csrf_token(),
            },
        )
        if created.status_code != 201:
            return
        WRITES["uploads"][0] += 1
        patched = self.send(
            "PATCH",
            uploads + urlsplit(created.headers["Location"]).path,
            "tus_patch",
            204,
            check=lambda response: response.headers.get("Upload-Offset") == str(len(FILM)),
            data=FILM,
            headers={
                "Origin": origin,
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "X-CSRFToken": self.csrf_token(),
            },
        )
        if patched.status_code == 204:
            WRITES["uploads"][1] += 1


class Coordinator(Visitor):
    """A regional coordinator going through the region's films with the filters."""

    weight = 2
    accounts_key = "coordinators"
    _counter = itertools.count()

    @task
    def queue(self):
        state = random.choice(ACCOUNTS["states"])
        nomination = random.choice(ACCOUNTS["nominations"])
        self.get(
            f"/ru/region/{self.account['region']}/entries/?state={state}&nomination={nomination}", "coordinator_queue"
        )


class Juror(Visitor):
    """A juror of a regional panel: the list of panels, the panel's films, scoring one and saving a draft."""

    weight = 3
    accounts_key = "jurors"
    _counter = itertools.count()

    @task(1)
    def home(self):
        self.get("/ru/jury/", "jury_home")

    @task(2)
    def panel(self):
        self.get(f"/ru/jury/panels/{self.account['panel']}/", "jury_panel")

    @task(4)
    def score(self):
        assignment = random.choice(self.account["assignments"])
        path = f"/ru/jury/films/{assignment}/"
        page = self.send(
            "GET", path, "jury_score_get", 200, check=lambda r: VERSION_FIELD.search(r.text or "") is not None
        )
        version = VERSION_FIELD.search(page.text or "")
        criteria = CRITERION_FIELD.findall(page.text or "")
        if page.status_code != 200 or version is None or not criteria:
            return
        self.wait()  # watching the film and thinking
        data = {f"c{pk}": str(random.randint(0, 10)) for pk in criteria}
        data.update(version=version.group(1), note="", action="draft", csrfmiddlewaretoken=self.csrf_token())
        WRITES["score_saves"][0] += 1
        saved = self.send(
            "POST",
            path,
            "jury_score_post",
            302,
            # Back to the same page: a refused save ("stale", "closed") says so there, also with a redirect, and
            # is caught by load.py, which counts the saves in the audit trail.
            check=lambda response: urlsplit(response.headers.get("Location", "")).path == path,
            data=data,
            headers={"Referer": f"{self.origin}{path}"},
        )
        if saved.status_code == 302:
            WRITES["score_saves"][1] += 1

    @task(1)
    def write_floor(self):
        """The cheapest write a signed-in form makes (bench/load_urls.py), for this juror."""
        path = f"/bench-floor/write/{random.choice(self.account['assignments'])}/"
        data = {"csrfmiddlewaretoken": self.csrf_token()}
        self.send(
            "POST",
            path,
            "floor_write",
            302,
            # Back to itself: a redirect to the sign-in page (a lost session) is a failure.
            check=lambda response: urlsplit(response.headers.get("Location", "")).path == path,
            data=data,
            headers={"Referer": f"{self.origin}{path}"},
        )


class Floor(Visitor):
    """The framework's floor: the cheapest view the same server answers, through the same middleware."""

    weight = 1

    @task
    def floor(self):
        self.get("/bench-floor/", "floor")


def main():
    global FILM
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--uploads-host", help="where /tus/ goes (default: --host)")
    parser.add_argument("--accounts", required=True)
    parser.add_argument("--film", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=20, help="seconds after every user signed in")
    parser.add_argument("--duration", type=float, default=75, help="seconds measured")
    parser.add_argument("--think", default="1,3", help="seconds between a user's pages: min,max")
    args = parser.parse_args()
    Visitor.wait_time = between(*(float(value) for value in args.think.split(",")))
    UPLOADS["host"] = args.uploads_host or args.host
    with open(args.accounts) as handle:
        ACCOUNTS.update(json.load(handle))
    with open(args.film, "rb") as handle:
        FILM = handle.read()

    classes = [PublicVisitor, Student, Coordinator, Juror, Floor]
    environment = Environment(user_classes=classes, host=args.host, events=events)
    runner = environment.create_local_runner()
    started = time.monotonic()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    gevent.sleep(args.users / args.spawn_rate)
    while runner.user_count < args.users and time.monotonic() - started < 600:
        gevent.sleep(0.5)
    signing = sum(n for name, n in runner.user_classes_count.items() if globals()[name].accounts_key)
    while SIGNED["done"] < signing and time.monotonic() - started < 600:
        gevent.sleep(0.5)
    sign_in_seconds = time.monotonic() - started
    gevent.sleep(args.warmup)
    RECORDING["on"] = True
    measured_from = time.monotonic()
    gevent.sleep(args.duration)
    RECORDING["on"] = False
    seconds = time.monotonic() - measured_from
    users = dict(runner.user_classes_count)
    user_count = runner.user_count
    runner.quit()
    with open(args.out, "w") as handle:
        json.dump(
            {
                "seconds": seconds,
                "users": user_count,
                "users_by_class": users,
                "samples": SAMPLES,
                "writes": WRITES,
                "seconds_until_all_signed_in": round(sign_in_seconds, 1),
                "startup_failures": {
                    f"{error.name}: {error.error}"[:300]: error.occurrences
                    for error in environment.stats.errors.values()
                    if error.name in ("login_form", "login")
                },
            },
            handle,
        )


if __name__ == "__main__":
    main()
