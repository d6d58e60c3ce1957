"""deploy/backup.sh and deploy/restore.sh, run for real: a scratch PostgreSQL database with the portal's schema
and some data, a private media folder, a backup, damage, a restore, and everything is back."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

psycopg2 = pytest.importorskip("psycopg2")

# The scripts back up a PostgreSQL database (pg_dump): with the PostgreSQL run.
pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
EMAIL = "backup.check@example.kz"


def _server_or_skip():
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("needs pg_dump and pg_restore (postgresql-client)")
    try:
        connection = psycopg2.connect(f"{SERVER}/postgres", connect_timeout=3)
    except psycopg2.OperationalError:
        pytest.skip(f"needs PostgreSQL at {SERVER}")
    connection.autocommit = True
    return connection


@pytest.fixture
def scratch_database():
    server = _server_or_skip()
    name = f"festival_backup_{uuid.uuid4().hex[:10]}"
    with server.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def query(url, sql, *params):
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else None
    connection.close()
    return rows


def run(command, environ):
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, check=False, timeout=120)


def test_backup_and_restore_bring_back_database_and_files(scratch_database, tmp_path):
    private, media, backups = tmp_path / "private", tmp_path / "media", tmp_path / "backups"
    environ = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environ.update(
        DJANGO_SETTINGS_MODULE="festival.settings.test",
        DATABASE_URL=scratch_database,
        PRIVATE_MEDIA_ROOT=str(private),
        MEDIA_STORAGE="file",
        MEDIA_ROOT=str(media),
        # Only what is set here: not the machine's own /etc/festival/festival.env.
        FESTIVAL_ENV_FILE="/dev/null",
    )
    migrate = run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], environ)
    assert migrate.returncode == 0, migrate.stderr
    user = run(
        [sys.executable, "manage.py", "createsuperuser", "--no-input", "--first_name=Aigerim", "--last_name=Seitkali"],
        {**environ, "DJANGO_SUPERUSER_EMAIL": EMAIL, "DJANGO_SUPERUSER_PASSWORD": "a-long-password-1"},
    )
    assert user.returncode == 0, user.stderr
    query(scratch_database, "UPDATE festival_region SET name_en = %s WHERE code = 'astana'", "Astana (backed up)")
    film = private / "films" / "7" / "film.mp4"
    film.parent.mkdir(parents=True)
    film.write_bytes(os.urandom(300_000))
    film_bytes = film.read_bytes()
    (media / "public").mkdir(parents=True)
    (media / "public" / "note.txt").write_text("public media")

    backup = run(["deploy/backup.sh", str(backups)], environ)
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert folder.parent == backups and folder.name.startswith("festival-")
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "database.dump", "media.tar", "private-media.tar"]

    # The damage: an account gone, a region renamed, a table emptied, the film and the public file deleted.
    query(scratch_database, "DELETE FROM festival_user WHERE email = %s", EMAIL)
    query(scratch_database, "UPDATE festival_region SET name_en = 'damaged' WHERE code = 'astana'")
    query(scratch_database, "DELETE FROM festival_school")
    film.unlink()
    shutil.rmtree(media / "public")

    refused = run(["deploy/restore.sh", str(folder)], environ)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    restore = run(["deploy/restore.sh", "--yes", str(folder)], environ)
    assert restore.returncode == 0, restore.stderr

    assert query(scratch_database, "SELECT is_superuser FROM festival_user WHERE email = %s", EMAIL) == [(True,)]
    assert query(scratch_database, "SELECT name_en FROM festival_region WHERE code = 'astana'") == [
        ("Astana (backed up)",)
    ]
    assert query(scratch_database, "SELECT count(*) FROM festival_region") == [(20,)]
    assert film.read_bytes() == film_bytes
    assert (media / "public" / "note.txt").read_text() == "public media"
    # The portal still sees a complete schema: no migration is pending.
    check = run([sys.executable, "manage.py", "migrate", "--check", "--no-input"], environ)
    assert check.returncode == 0, check.stdout + check.stderr


def test_backup_fails_loudly_and_leaves_nothing(scratch_database, tmp_path):
    (tmp_path / "private").mkdir()
    environ = dict(
        os.environ,
        DATABASE_URL=scratch_database + "_missing",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        MEDIA_ROOT=str(tmp_path / "media"),
        FESTIVAL_ENV_FILE="/dev/null",
    )
    result = run(["deploy/backup.sh", str(tmp_path / "backups")], environ)
    assert result.returncode != 0
    assert "backup FAILED" in result.stderr and "does not exist" in result.stderr
    assert list((tmp_path / "backups").iterdir()) == []
