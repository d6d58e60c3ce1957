"""/health/ for the load balancer: "ok" when the database and the cache answer, 503 with a one-line reason when
one of them does not. Each outage is real: a server address where nothing listens."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_answers_ok(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok" and response["Content-Type"].startswith("text/plain")
    # A proxy must not keep an answer about a moment that has passed.
    assert "no-store" in response["Cache-Control"]


def test_pages_answer_head_as_monitors_and_curl_ask(client, db, edition):
    # HEAD: the headers of GET without the body. A form's page still refuses it along with other methods.
    for path in ("/health/", "/ru/", "/kk/results/"):
        get, head = client.get(path), client.head(path)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert get.status_code == 200 and head["Content-Type"] == get["Content-Type"]
    assert client.put("/ru/").status_code == 405


def test_health_reports_the_cache_down(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"cache unavailable"


def test_health_reports_the_database_down():
    # Its own process: the test database's connection stays untouched.
    environ = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="festival.settings.test",
        DATABASE_URL=f"postgres://festival:secret-password@127.0.0.1:{closed_port()}/festival",
    )
    code = (
        "import django; django.setup(); from django.test import Client; "
        "response = Client().get('/health/'); print(response.status_code, response.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # The reason only: no address, no password, no traceback.
    assert result.stdout.strip() == "503 database unavailable"
    # The operator finds the cause in the log.
    assert "Health check: the database does not answer." in result.stderr
