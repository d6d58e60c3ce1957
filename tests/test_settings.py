"""Production settings read everything from the environment and refuse to start on a bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from festival import env

ROOT = Path(__file__).resolve().parent.parent

GOOD = {
    "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "kino.example.kz",
    "DATABASE_URL": "postgres://festival@127.0.0.1:5432/festival",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://mailer:p%40ss@smtp.example.kz:587",
    "DEFAULT_FROM_EMAIL": "Festival <noreply@example.kz>",
    "MEDIA_ROOT": "/srv/festival/media",
    "PRIVATE_MEDIA_ROOT": "/srv/festival/private",
    "UPLOAD_TEMP_ROOT": "/srv/festival/uploads",
    "SITE_URL": "https://kino.example.kz",
}


PRINT_PASSWORD = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_HOST_PASSWORD)"


def load_production(code=PRINT_PASSWORD, **overrides):
    environ = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith(("S3_", "MEDIA_"))}
    environ.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    environ["DJANGO_SETTINGS_MODULE"] = "festival.settings.production"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )


def test_production_settings_load_with_full_environment():
    result = load_production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "p@ss"


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "DEFAULT_FROM_EMAIL",
        "MEDIA_ROOT",
        "PRIVATE_MEDIA_ROOT",
        "UPLOAD_TEMP_ROOT",
        "SITE_URL",
    ],
)
def test_production_settings_fail_on_missing(missing):
    result = load_production(**{missing: None})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/festival"),
        ("DATABASE_URL", "sqlite:///festival.db"),
        ("REDIS_URL", "localhost:6379"),
        ("EMAIL_URL", "smtp://smtp.example.kz:notaport"),
        ("SECRET_KEY", "short"),
        ("SECURE_HSTS_SECONDS", "a year"),
        ("SECURE_SSL_REDIRECT", "maybe"),
        ("MEDIA_STORAGE", "floppy"),
    ],
)
def test_production_settings_fail_on_malformed(name, value):
    result = load_production(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_s3_storage_needs_its_bucket():
    result = load_production(MEDIA_STORAGE="s3", MEDIA_ROOT=None, S3_ENDPOINT_URL="https://s3.example.kz")
    assert result.returncode != 0 and "S3_BUCKET" in result.stderr


def test_production_s3_storage_takes_the_private_files_without_local_folders():
    code = (
        "import django; django.setup()\n"
        "from submissions.storage import private_storage\n"
        "storage = private_storage()\n"
        "print(type(storage).__name__, storage.bucket_name, storage.location, storage.file_overwrite,"
        " storage.default_acl, storage.querystring_expire)"
    )
    result = load_production(
        code,
        MEDIA_STORAGE="s3",
        MEDIA_ROOT=None,
        PRIVATE_MEDIA_ROOT=None,
        S3_BUCKET="festival",
        S3_ENDPOINT_URL="https://s3.example.kz",
        S3_ACCESS_KEY="k",
        S3_SECRET_KEY="s",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "festival", "private", "True", "None", "600"]


def test_env_bool_parses_and_rejects(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env.env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "off")
    assert env.env_bool("FLAG") is False
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env.env_bool("FLAG")


def test_env_int_minimum(monkeypatch):
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env.env_int("N", minimum=0)


def test_env_list_empty_rejected(monkeypatch):
    monkeypatch.setenv("HOSTS", " , ")
    with pytest.raises(ImproperlyConfigured, match="HOSTS"):
        env.env_list("HOSTS")


def test_production_deploy_check_passes_before_collectstatic(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ.update(GOOD, DJANGO_SETTINGS_MODULE="festival.settings.production", STATIC_ROOT=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_responses_carry_the_security_headers():
    """A response of the production configuration over HTTPS: HSTS, no sniffing, no framing, no referrer
    to other sites, an isolated browsing context; plain HTTP is redirected to HTTPS."""
    environ = {k: v for k, v in os.environ.items() if k not in GOOD and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ.update(GOOD, DJANGO_SETTINGS_MODULE="festival.settings.production")
    code = (
        "import json, django; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/tus/', secure=True, HTTP_HOST='kino.example.kz'); "
        "p = c.get('/tus/', HTTP_HOST='kino.example.kz'); "
        "print(json.dumps({'headers': dict(r.headers), 'plain': [p.status_code, p.headers.get('Location')]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    import json

    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert seen["plain"] == [301, "https://kino.example.kz/tus/"]
