"""The newcomer's path, end to end (scripts/smoke; CI runs it).

A fresh clone of this repository's last commit runs the README's own command, `scripts/run`, with nothing
set: SQLite and kombu's filesystem broker, a real Celery worker. Headless Chromium then signs in as the
demo student with the password the README gives, uploads a short film made with ffmpeg to the demo draft,
waits until the worker has checked it, sends the film to the coordinator, signs in as the coordinator of
Astana and finds the film in the region's list and on its page. Each step is printed; on a failure the
logs of scripts/run and of the worker are printed too and the exit status is 1. scripts/run is stopped
at the end (its whole process group) and the clone removed, unless --keep.
"""

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-results"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
HOST = "127.0.0.1"
# The README's table of demo logins and its password.
PASSWORD = "festival-demo-2026"
STUDENT = "student@demo.kz"
COORDINATOR, REGION = "coordinator.astana@demo.kz", "astana"
# A fresh machine installs the Python packages and npm assets first.
START_SECONDS = 20 * 60
CHECK_SECONDS = 5 * 60
# What the README's default must not inherit from the caller.
NOT_PASSED = {"DATABASE_URL", "REDIS_URL", "FESTIVAL_VAR_DIR", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "PYTHONPATH"}
NOT_PASSED_PREFIXES = ("MEDIA_", "PRIVATE_MEDIA_", "UPLOAD_TEMP_", "STATIC_ROOT", "DOCUMENT_", "S3_")


class SmokeFailed(Exception):
    pass


class Steps:
    def __init__(self):
        self.started = time.monotonic()

    def say(self, text):
        print(f"smoke [{time.monotonic() - self.started:6.1f} s] {text}", flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def readme_environment(port):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in NOT_PASSED and not key.startswith(NOT_PASSED_PREFIXES)
    }
    env.update(HOST=HOST, PORT=str(port))
    return env


def clone(target, revision):
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", revision], cwd=target, check=True)
    return subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=target, check=True, capture_output=True, text=True
    ).stdout.strip()


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_up(process, base, log):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SmokeFailed(f"scripts/run ended with status {process.returncode} before the portal answered")
        if answers(f"{base}/health/"):
            return
        time.sleep(1)
    raise SmokeFailed(f"the portal did not answer at {base}/health/ within {START_SECONDS} s (log: {log})")


def stop(process):
    """scripts/run and everything it started (the worker and its pool, the web server): its process group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    # The worker's pool may outlive its parent by a moment.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def tail(path, lines=60):
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def make_film(folder):
    from tests import videos

    return videos.mp4(folder, name="smoke-film.mp4", seconds=3, size="640x360")


def sign_in(browser, base, email):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    visit(page, f"{base}/ru/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_load_state()
    if "/login/" in page.url:
        raise SmokeFailed(f"{email} could not sign in with the README's password")
    return page


def server_errors(page):
    """Answers of 500 and up that the page received, as 'METHOD address: status'."""
    seen = []

    def note(response):
        if response.status >= 500:
            seen.append(f"{response.request.method} {response.url}: {response.status}")

    page.on("response", note)
    return seen


def visit(page, url):
    response = page.goto(url)
    if response is None or response.status != 200:
        raise SmokeFailed(f"GET {url} answered {response.status if response else 'nothing'}")


def wait_for(page, selector, seconds, errors, what):
    """The first element matching `selector`, once there; fails at once on an answer of 500 or more."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if errors:
            raise SmokeFailed(f"the server answered with an error while waiting for {what}: {'; '.join(errors[:5])}")
        found = page.locator(selector)
        if found.count():
            return found.first
        page.wait_for_timeout(500)
    raise SmokeFailed(f"no {what} after {seconds} s")


def student_uploads(browser, base, film, steps):
    page = sign_in(browser, base, STUDENT)
    steps.say(f"signed in as {STUDENT}")
    errors = server_errors(page)
    try:
        visit(page, f"{base}/ru/entries/")
        links = page.locator("a[href]").evaluate_all("links => links.map(link => link.getAttribute('href'))")
        entries = [href for href in links if re.fullmatch(r"/ru/entries/\d+/", href)]
        if not entries:
            raise SmokeFailed("the demo student has no entry in /ru/entries/ (scripts/run loads a draft)")
        entry_url = entries[0]
        visit(page, f"{base}{entry_url}")
        steps.say(f"opened the demo draft {entry_url}")
        page.set_input_files("#film-file", str(film))
        wait_for(page, "[data-testid=upload-progress]:text-is('100%')", 120, errors, "finished upload")
        steps.say(f"uploaded {film.name} ({film.stat().st_size} bytes) through /tus/")
        checked = wait_for(page, "[data-film-ok], [data-testid=film-problem]", CHECK_SECONDS, errors, "film check")
        if checked.get_attribute("data-testid") == "film-problem":
            raise SmokeFailed(f"the worker refused the film: {checked.inner_text()}")
        steps.say("the worker checked the film: the page says it passed and shows its poster frame")
        page.get_by_test_id("submit-entry").click()
        page.wait_for_load_state()
        if page.get_by_test_id("submit-entry").count() or errors:
            raise SmokeFailed(f"the entry was not sent to the coordinator {'; '.join(errors[:5])}")
        steps.say(f"sent it to the coordinator: the entry reads «{page.get_by_test_id('entry-state').inner_text()}»")
    except Exception:
        shot(page, "smoke-student")
        raise
    page.context.close()
    return int(entry_url.rstrip("/").rsplit("/", 1)[-1])


def coordinator_finds(browser, base, entry_id, steps):
    page = sign_in(browser, base, COORDINATOR)
    steps.say(f"signed in as {COORDINATOR}")
    errors = server_errors(page)
    try:
        visit(page, f"{base}/ru/region/{REGION}/entries/")
        link = page.locator(f"[data-testid=region-entry][href$='/entries/{entry_id}/']")
        if not link.count():
            raise SmokeFailed(f"the region's list of films does not show entry {entry_id}")
        steps.say(f"the region's list of films shows «{link.inner_text()}»")
        link.click()
        wait_for(page, "[data-testid=player]", 30, errors, "player on the film's page")
        steps.say("the film's page has the player of the preview the worker made")
    except Exception:
        shot(page, "smoke-coordinator")
        raise
    page.context.close()


def shot(page, name):
    with contextlib.suppress(Exception):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the clone (and its var/) after the run")
    parser.add_argument("--rev", default="HEAD", help="the commit to clone (default: the last one)")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    steps = Steps()
    folder = Path(tempfile.mkdtemp(prefix="festival-smoke-"))
    checkout, log = folder / "portal", folder / "run.log"
    port = free_port()
    base = f"http://{HOST}:{port}"
    process = None
    try:
        steps.say(f"cloned {clone(checkout, options.rev)} into {checkout}")
        with open(log, "wb") as output:
            process = subprocess.Popen(
                ["bash", "scripts/run"],
                cwd=checkout,
                env=readme_environment(port),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        steps.say(f"started scripts/run (PORT={port}, no DATABASE_URL, no REDIS_URL); waiting for {base}/")
        wait_until_up(process, base, log)
        steps.say(f"the portal answers at {base}/")
        film = make_film(folder)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                entry_id = student_uploads(browser, base, film, steps)
                coordinator_finds(browser, base, entry_id, steps)
            finally:
                browser.close()
        worker_log = checkout / "var" / "log" / "worker.log"
        if "database is locked" in worker_log.read_text(errors="replace"):
            raise SmokeFailed("the worker's log has 'database is locked'")
        steps.say("passed: the README's default runs a student's film to the coordinator")
        return 0
    except Exception as error:
        steps.say(f"FAILED: {type(error).__name__}: {error}")
        print(f"\n---- scripts/run ({log}), last lines ----\n{tail(log)}", flush=True)
        print(
            f"\n---- var/log/worker.log, last lines ----\n{tail(checkout / 'var' / 'log' / 'worker.log')}", flush=True
        )
        return 1
    finally:
        if process is not None:
            stop(process)
            steps.say("stopped scripts/run")
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
