"""A real Celery worker takes the confirmation letter from the broker (Redis in CI) and sends it."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from festival import services
from festival.celery import app
from festival.models import User

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_worker_sends_confirmation_letter(real_worker):
    services.user_register(
        kind=User.Kind.STUDENT,
        email="worker@example.kz",
        password="Kino-2026-festival",
        first_name="Ерік",
        last_name="Сәрсенов",
        language="ru",
        base_url="http://testserver/",
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["worker@example.kz"]]
    assert "http://testserver/ru/confirm/" in mail.outbox[0].body
