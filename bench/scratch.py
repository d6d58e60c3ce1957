"""A throw-away PostgreSQL database for a benchmark, next to BENCH_DATABASE_URL's."""

import os
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
