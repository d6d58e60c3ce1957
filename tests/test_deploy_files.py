"""The files of deploy/ as the machines read them: gunicorn's two pools from its config file, and the nginx
configuration (TLS and trial) accepted by `nginx -t` with the portal's snippet included."""

import os
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def gunicorn_settings(monkeypatch, **env):
    for name in ("GUNICORN_POOL", "GUNICORN_BIND", "GUNICORN_UPLOADS_BIND", "GUNICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_pages_pool_on_sync_workers(monkeypatch):
    pages = gunicorn_settings(monkeypatch)
    assert (pages["worker_class"], pages["bind"], pages["proc_name"]) == ("sync", ["127.0.0.1:8000"], "festival-web")
    assert pages["workers"] == max(2, len(os.sched_getaffinity(0)))
    assert pages["wsgi_app"] == "festival.wsgi:application"


def test_gunicorn_uploads_pool_on_threads(monkeypatch):
    uploads = gunicorn_settings(monkeypatch, GUNICORN_POOL="uploads", GUNICORN_UPLOADS_BIND="10.0.0.11:8001, ")
    assert (uploads["worker_class"], uploads["workers"], uploads["threads"]) == ("gthread", 2, 16)
    assert uploads["bind"] == ["10.0.0.11:8001"] and uploads["proc_name"] == "festival-uploads"


def test_gunicorn_refuses_an_unknown_pool(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_POOL"):
        gunicorn_settings(monkeypatch, GUNICORN_POOL="everything")


NGINX_MAIN = """
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    include sites/*.conf;
}}
"""


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (.ci/run installs it)")
@pytest.mark.parametrize("site", ["festival.conf", "festival-trial.conf"])
def test_nginx_accepts_the_configuration(tmp_path, site):
    (tmp_path / "sites").mkdir()
    (tmp_path / "snippets").mkdir()
    shutil.copy(DEPLOY / "nginx" / "festival-locations.conf", tmp_path / "snippets")
    text = (DEPLOY / "nginx" / site).read_text()
    # The machine's paths of a real installation, moved into the test's folder.
    text = text.replace("/var/log/nginx/", f"{tmp_path}/")
    if site == "festival.conf":
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kino.example.kz",
             "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        text = text.replace("/etc/letsencrypt/live/kino.example.kz/fullchain.pem", str(tmp_path / "cert.pem"))
        text = text.replace("/etc/letsencrypt/live/kino.example.kz/privkey.pem", str(tmp_path / "key.pem"))
    directives = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "/etc/" not in directives
    (tmp_path / "sites" / site).write_text(text)
    (tmp_path / "nginx.conf").write_text(NGINX_MAIN.format(root=tmp_path))
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
