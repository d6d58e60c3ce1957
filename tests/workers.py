"""Celery worker processes for tests: started on this run's document queue, against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from festival.celery import app

ROOT = Path(__file__).resolve().parent.parent


def _database_url():
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(**overrides):
    """The environment of a process working for this test: the test database, its files, this run's queue."""
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="festival.settings.test",
        DATABASE_URL=_database_url(),
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DOCUMENT_QUEUE=settings.DOCUMENT_QUEUE,
    )
    env.update(overrides)
    return env


def start_worker(log, **env):
    """A worker on this run's document queue; `env` overrides the environment (REDIS_URL: another broker)."""
    env = worker_env(**env)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "festival",
            "worker",
            "-Q",
            settings.DOCUMENT_QUEUE,
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a kill reaches the pool's children too
    )


def run_django(code, timeout=120, **env):
    """Run `code` in a new Django process set up like a worker, where tasks go to the broker (they are not run
    inline). Returns what it printed. For calling services with another broker than the test process's own."""
    prelude = "import django\ndjango.setup()\nfrom festival.celery import app\napp.conf.task_always_eager = False\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=worker_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def document_worker_env(request):
    # Worker processes share the database and the broker: the test is marked so, and skipped without them.
    assert request.node.get_closest_marker("postgres") and request.node.get_closest_marker("redis"), (
        "a test with worker processes needs @pytest.mark.postgres and @pytest.mark.redis"
    )
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True
