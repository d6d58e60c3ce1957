"""Services queue tasks by name (festival.services.queue_after_commit): a misspelt name would fail only after a
commit, in production. Every name the code queues must be a registered Celery task."""

import re
from pathlib import Path

from django.utils.module_loading import import_string

from festival.celery import app

APPS = ("festival", "submissions", "judging", "certificates", "stats")
QUEUED = re.compile(r"queue_after_commit\(\s*\"([\w.]+)\"")


def queued_names():
    root = Path(__file__).resolve().parent.parent
    return {
        name for package in APPS for path in (root / package).rglob("*.py") for name in QUEUED.findall(path.read_text())
    }


def test_queued_tasks_are_registered_celery_tasks():
    names = queued_names()
    assert len(names) >= 8  # letters, film checks, imports, reminders, document chunks and archives
    for name in names:
        task = import_string(name)
        assert task.name == name
        assert name in app.tasks
