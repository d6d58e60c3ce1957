"""A throw-away PostgreSQL database for a benchmark, next to BENCH_DATABASE_URL's, and the environment of the
production settings around it."""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit


def database_urls(label):
    """(the server's URL, the scratch database's URL, its name): a name of this process's own."""
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"festival_bench_{label}_{os.getpid()}"
    return base, urlunsplit(urlsplit(base)._replace(path=f"/{name}")), name


def admin(base_url, sql):
    """Run one statement outside a transaction (CREATE DATABASE, DROP DATABASE)."""
    import psycopg2

    connection = psycopg2.connect(base_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def production_environment(scratch, *, database_url, redis_url, **more):
    """What festival.settings.production reads, for a run on 127.0.0.1 with its files under `scratch` (a
    Path); `more` adds or replaces variables."""
    return {
        "DJANGO_SETTINGS_MODULE": "festival.settings.production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": "console://",
        "DEFAULT_FROM_EMAIL": "bench@example.kz",
        "SITE_URL": "https://festival.example.kz",
        "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "UPLOAD_TEMP_ROOT": str(scratch / "uploads"),
        "MEDIA_ROOT": str(scratch / "media"),
        **more,
    }
