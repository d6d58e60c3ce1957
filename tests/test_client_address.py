"""The client's address (festival/net.py) as login throttling and the rate limits count it: the entry of
X-Forwarded-For that the trusted proxies wrote, never one the client wrote. Checked through the real nginx
configuration of deploy/ in front of a live portal, with clients on different loopback addresses."""

import datetime
import http.client
import re
import runpy
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlparse

import pytest
from django.test import RequestFactory

from festival.net import client_ip, forwarded_client
from tests import factories

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.mark.parametrize(
    ("header", "remote", "proxies", "expected"),
    [
        (None, "203.0.113.7", 0, "203.0.113.7"),
        ("10.0.0.1", "203.0.113.7", 0, "203.0.113.7"),  # no proxy: the header is the client's own
        ("198.51.100.4", "127.0.0.1", 1, "198.51.100.4"),
        ("10.0.3.1, 198.51.100.4", "127.0.0.1", 1, "198.51.100.4"),  # forged left part ignored
        ("10.0.3.1,198.51.100.4, 192.0.2.1", "127.0.0.1", 2, "198.51.100.4"),  # load balancer, then nginx
        ("198.51.100.4", "127.0.0.1", 2, "198.51.100.4"),  # came to nginx past the load balancer
        (None, "127.0.0.1", 1, "127.0.0.1"),
        ("10.0.3.1, not-an-address", "127.0.0.1", 1, "127.0.0.1"),
        ("2001:db8::1", "127.0.0.1", 1, "2001:db8::1"),
    ],
)
def test_forwarded_client_counts_from_the_right(header, remote, proxies, expected):
    assert forwarded_client(header, remote, proxies) == expected


def test_client_ip_reads_the_setting(settings):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="10.0.0.9, 198.51.100.4", REMOTE_ADDR="127.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.4"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"


def test_gunicorn_access_log_names_the_address_nginx_saw(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    forwarded = "10.0.0.1, 198.51.100.4"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/en/login/",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": forwarded,
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=512)
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", forwarded)])
    atoms = conf["logger_class"](Config()).atoms(response, request, environ, datetime.timedelta(milliseconds=7))
    assert conf["access_log_format"] % atoms == '198.51.100.4 "POST /en/login/ HTTP/1.0" 200 512 7ms "-"'


NGINX_MAIN = """
daemon off;
master_process off;
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


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nginx(tmp_path, live_server, settings):
    """deploy/nginx/festival-trial.conf with its snippet, in front of the live portal; the production
    setting for one proxy. Yields the port nginx listens on (127.0.0.1)."""
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    settings.TRUSTED_PROXY_COUNT = 1
    (tmp_path / "sites").mkdir()
    (tmp_path / "snippets").mkdir()
    shutil.copy(DEPLOY / "nginx" / "festival-locations.conf", tmp_path / "snippets")
    port, app = _free_port(), urlparse(live_server.url).port
    text = (DEPLOY / "nginx" / "festival-trial.conf").read_text()
    text = text.replace("/var/log/nginx/", f"{tmp_path}/")
    text = text.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{app}").replace("127.0.0.1:8001", f"127.0.0.1:{app}")
    (tmp_path / "sites" / "festival-trial.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(NGINX_MAIN.format(root=tmp_path))
    process = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


class Browser:
    """One client on its own loopback address (nginx sees it as $remote_addr), with its cookies."""

    def __init__(self, port, source):
        self.port, self.source, self.cookies = port, source, {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                self.cookies[cookie.split("=", 1)[0]] = cookie.split("=", 1)[1]
        connection.close()
        return response.status, content

    def sign_in(self, email, password, forwarded_for=None):
        status, page = self.request("GET", "/en/login/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        status, _ = self.request(
            "POST", "/en/login/", {"csrfmiddlewaretoken": token, "username": email, "password": password}, headers
        )
        return status


@pytest.mark.django_db(transaction=True)
def test_forged_forwarded_for_through_nginx_does_not_escape_the_lock(nginx, settings):
    chief = factories.organizer().email
    attacker = Browser(nginx, "127.0.0.2")
    statuses = [attacker.sign_in(chief, "wrong", forwarded_for=f"10.0.{i}.1, 192.0.2.{i}") for i in range(12)]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    assert attacker.sign_in(chief, "pass-word-123", forwarded_for="10.0.99.1") == 429


@pytest.mark.django_db(transaction=True)
def test_honest_clients_through_nginx_are_separate_buckets(nginx, settings):
    email = factories.coordinator().email
    stranger, coordinator = Browser(nginx, "127.0.0.2"), Browser(nginx, "127.0.0.3")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        stranger.sign_in(email, "wrong")
    assert stranger.sign_in(email, "pass-word-123") == 429
    # The coordinator, from another address, is not locked out by the stranger's attempts.
    assert coordinator.sign_in(email, "pass-word-123") == 302
