"""The PostgreSQL backend's health check (festival/postgres): a kept connection is checked without a round
trip to the server, and one the server dropped is still found out and replaced."""

import time

import psycopg2
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

from festival.postgres.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db,
]


@pytest.fixture
def kept():
    """A connection of its own, as a gunicorn worker keeps one between requests, with health checks on."""
    wrapper = DatabaseWrapper({**connection.settings_dict, "CONN_HEALTH_CHECKS": True}, alias="kept")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def asked(monkeypatch):
    """How many times the server was asked SELECT 1 (Django's own check)."""
    calls = []
    original = PostgreSQLDatabaseWrapper.is_usable

    def counted(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(PostgreSQLDatabaseWrapper, "is_usable", counted)
    return calls


def _until_readable(wrapper, seconds=10):
    import select

    poller = select.poll()
    poller.register(wrapper.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + seconds
    while not poller.poll(100):
        assert time.monotonic() < deadline, "the server never closed the connection"


def _raw():
    settings = connection.settings_dict
    raw = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    raw.autocommit = True
    return raw


def test_the_project_uses_the_backend():
    assert connection.settings_dict["ENGINE"] == "festival.postgres"
    from django.db import connections

    assert isinstance(connections["default"], DatabaseWrapper) and connection.vendor == "postgresql"


def test_a_healthy_idle_connection_is_usable_without_asking_the_server(kept, asked):
    assert kept.is_usable() is True
    assert asked == []
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    assert kept.connection is not None and asked == []
    with kept.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_connection_the_server_dropped_is_found_out_and_replaced(kept, asked):
    pid = kept.connection.get_backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    _until_readable(kept)
    assert kept.is_usable() is False
    # As at the start of a request: the dead connection is closed, and the next query opens a new one.
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    assert kept.connection is None
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_with_something_to_read_is_asked_and_kept_when_it_answers(kept, asked):
    with kept.cursor() as cursor:
        cursor.execute("LISTEN festival_probe")
    raw = _raw()
    try:
        with raw.cursor() as cursor:
            cursor.execute("NOTIFY festival_probe")
    finally:
        raw.close()
    _until_readable(kept)
    assert kept.is_usable() is True
    assert asked == ["kept"]


def test_a_quiet_connection_not_checked_for_a_while_is_asked(kept, asked, monkeypatch):
    """A server that vanished without a word (a crashed host, a firewall) leaves the socket quiet: a connection
    not checked for IDLE_CHECK seconds is asked SELECT 1 anyway."""
    from festival.postgres import base

    assert kept.is_usable() is True and asked == []
    later = time.monotonic() + base.IDLE_CHECK + 1
    monkeypatch.setattr(base.time, "monotonic", lambda: later)
    assert kept.is_usable() is True
    assert asked == ["kept"]
    # Checked just now: the next request polls the socket only.
    assert kept.is_usable() is True
    assert asked == ["kept"]


def test_a_closed_connection_is_not_usable(kept, asked):
    kept.connection.close()
    assert kept.is_usable() is False
    assert asked == []
