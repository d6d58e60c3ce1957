"""The files of deploy/ as the machines read them: gunicorn's two pools from its config file, the nginx
configuration (TLS and trial) accepted by `nginx -t` with the portal's snippet included, and the guide's
processes run for real: supervise.sh, manage.sh, the portal's Redis, and the log stamps of each process."""

import datetime
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


# ---------------------------------------------------------------- the guide's processes (finding 10)

ROOT = DEPLOY.parent
GUIDE = (DEPLOY / "README.md").read_text()
UTC_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+00:00"


def shell_blocks(text):
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def env_file(tmp_path, **values):
    path = tmp_path / "festival.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def test_guide_appends_to_logs_and_never_truncates_them():
    commands = "\n".join(shell_blocks(GUIDE)) + (DEPLOY / "supervise.sh").read_text()
    # `>file` empties the log of the run before at every start; `>>` appends.
    commands = re.sub(r"<[^<>\n]*>", "", commands.replace("2>&1", ""))  # placeholders: <repository URL>
    truncating = re.findall(r"(?<![>&\d])>\s*[\"$/\w]", commands)
    assert truncating == []


def test_guide_touches_no_system_wide_redis():
    assert "/etc/redis/redis.conf" not in GUIDE
    assert "systemctl restart redis-server" not in GUIDE and "service redis-server" not in GUIDE


def test_supervise_starts_a_killed_process_again_and_appends_to_its_log(tmp_path):
    env = dict(os.environ, FESTIVAL_ENV_FILE=str(env_file(tmp_path, DJANGO_SETTINGS_MODULE="festival.settings.test")),
               FESTIVAL_LOG_DIR=str(tmp_path), FESTIVAL_RESTART_SECONDS="1")  # fmt: skip
    (tmp_path / "probe.log").write_text("from before\n")
    pids = tmp_path / "pids"
    supervisor = subprocess.Popen(
        [DEPLOY / "supervise.sh", "probe", "--",
         "sh", "-c", f"echo $$ >>{pids}; umask; touch {tmp_path}/made; exec sleep 60"],
        env=env,
        preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    try:
        wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 1)
        os.kill(int(pids.read_text().split()[0]), signal.SIGKILL)
        wait_until(lambda: len(pids.read_text().split()) == 2)  # started again
        second = int(pids.read_text().split()[1])
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(10) == 0
        with pytest.raises(ProcessLookupError):  # stopped with it, not started a third time
            os.kill(second, 0)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    log = (tmp_path / "probe.log").read_text()
    assert log.startswith("from before\n")
    assert re.search(r"probe ended with status 137; starting it again in 1 s", log)
    assert log.count("0027") == 2 and oct((tmp_path / "made").stat().st_mode & 0o777) == "0o640"
    assert len(pids.read_text().split()) == 2


def test_supervise_runs_the_worker_units_command_with_the_env_files_queue_and_concurrency(tmp_path):
    env = dict(os.environ, FESTIVAL_ENV_FILE=str(env_file(tmp_path, DOCUMENT_QUEUE="docs-a", CELERY_CONCURRENCY=6)))
    env.pop("DOCUMENT_QUEUE", None)
    env.pop("CELERY_CONCURRENCY", None)
    printed = subprocess.run(
        [DEPLOY / "supervise.sh", "--print", "worker@3"], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert printed[1:4] == ["-A", "festival", "worker"]
    assert "-Q" in printed and printed[printed.index("-Q") + 1] == "celery,docs-a"
    assert "--concurrency=6" in printed and printed[4].startswith("--hostname=worker3@")
    # The unit's own flags, the same ones.
    unit = (DEPLOY / "systemd" / "festival-worker@.service").read_text()
    assert "-Q celery,${DOCUMENT_QUEUE}" in unit and "--concurrency=${CELERY_CONCURRENCY}" in unit
    for flag in re.findall(r"--max-[\w-]+=\d+", unit):
        assert flag in printed
    # Without the variables in the file: the unit's defaults.
    env["FESTIVAL_ENV_FILE"] = str(env_file(tmp_path, SITE_URL="https://kino.example.kz"))
    printed = subprocess.run(
        [DEPLOY / "supervise.sh", "--print", "worker@1"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "-Q celery,documents " in printed and "--concurrency=2 " in printed


def test_manage_sh_creates_files_with_the_services_umask(tmp_path):
    made = tmp_path / "made.txt"
    settings = env_file(tmp_path, DJANGO_SETTINGS_MODULE="festival.settings.test")
    subprocess.run(
        [DEPLOY / "manage.sh", "shell", "-c", f"open({str(made)!r}, 'w').close()"],
        env=dict(os.environ, FESTIVAL_ENV_FILE=str(settings)),
        preexec_fn=lambda: os.umask(0o022),
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert oct(made.stat().st_mode & 0o777) == "0o640"  # not readable by others


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_redis_instance_of_its_own_runs_from_its_config_file(tmp_path):
    conf = (DEPLOY / "redis.conf").read_text()
    assert re.search(r"(?m)^port 6380$", conf) and re.search(r"(?m)^dir /var/lib/festival-redis$", conf)
    unit = (DEPLOY / "systemd" / "festival-redis.service").read_text()
    assert "ExecStart=/usr/bin/redis-server /etc/redis/festival.conf" in unit and "TZ=UTC" in unit
    assert "redis://127.0.0.1:6380/0" in GUIDE
    for name in ("festival-web", "festival-uploads", "festival-worker@", "festival-beat"):
        assert "festival-redis.service" in (DEPLOY / "systemd" / f"{name}.service").read_text()
    port = free_port()
    (tmp_path / "festival.conf").write_text(
        conf.replace("dir /var/lib/festival-redis", f"dir {tmp_path}").replace("port 6380", f"port {port}")
    )
    server = subprocess.Popen(["redis-server", str(tmp_path / "festival.conf")], stdout=subprocess.PIPE, text=True)
    try:
        cli = ["redis-cli", "-p", str(port)]
        wait_until(lambda: subprocess.run([*cli, "ping"], capture_output=True, text=True).stdout.strip() == "PONG")
        policy = subprocess.run([*cli, "config", "get", "maxmemory-policy"], capture_output=True, text=True).stdout
        assert policy.split() == ["maxmemory-policy", "noeviction"]
        assert (
            subprocess.run([*cli, "config", "get", "appendonly"], capture_output=True, text=True).stdout.split()[1]
            == "yes"
        )
    finally:
        server.terminate()
        server.wait(10)  # fmt: skip


def test_portal_log_lines_are_stamped_in_utc_with_the_offset():
    # Django makes TIME_ZONE (Asia/Almaty) the process's local zone: the stamps must not follow it.
    code = "import django, logging\ndjango.setup()\nlogging.getLogger('festival').warning('stamped')\n"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE="festival.settings.test", TZ="Asia/Almaty"),
    )  # fmt: skip
    line = next(line for line in done.stderr.splitlines() if "stamped" in line)
    assert re.fullmatch(UTC_STAMP + " WARNING festival: stamped", line)
    stamped = datetime.datetime.fromisoformat(line.split()[0])
    assert abs(stamped - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)


def test_celery_beat_log_lines_are_stamped_in_utc_with_the_offset(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="festival.settings.test", TZ="Asia/Almaty")
    env.pop("REDIS_URL", None)  # the in-memory broker: nothing leaves the process
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "festival", "beat", f"--schedule={tmp_path}/schedule",
         "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        time.sleep(6)
    finally:
        beat.terminate()
        output = beat.communicate(timeout=20)[0]
    lines = [line for line in output.splitlines() if re.match(r"\d{4}-|\[", line)]
    assert lines and all(re.match(UTC_STAMP + " ", line) for line in lines), output


def test_gunicorn_arbiter_and_access_lines_are_stamped_in_utc_with_the_offset(tmp_path):
    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="festival.settings.test", TZ="Asia/Almaty",
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")  # fmt: skip
    env.pop("GUNICORN_POOL", None)
    out, err = open(tmp_path / "out", "w"), open(tmp_path / "err", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [Path(sys.executable).parent / "gunicorn", "--config", DEPLOY / "gunicorn.conf.py"], cwd=ROOT, env=env,
        stdout=out, stderr=err,
    )  # fmt: skip
    try:
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/health/") is not None, 60)
    finally:
        server.terminate()
        server.wait(30)
        out.close(), err.close()
    arbiter = [line for line in (tmp_path / "err").read_text().splitlines() if "Starting gunicorn" in line]
    access = [line for line in (tmp_path / "out").read_text().splitlines() if "/health/" in line]
    assert arbiter and re.match(UTC_STAMP + r" \[\d+\] \[INFO\] Starting gunicorn", arbiter[0])
    assert access and re.match(UTC_STAMP + ' .*"GET /health/ HTTP/1.1"', access[0])


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (.ci/run installs it)")
def test_nginx_access_lines_carry_the_time_with_its_offset_in_utc_under_tz_utc(tmp_path):
    (tmp_path / "sites").mkdir()
    (tmp_path / "snippets").mkdir()
    shutil.copy(DEPLOY / "nginx" / "festival-locations.conf", tmp_path / "snippets")
    port = free_port()
    text = (DEPLOY / "nginx" / "festival-trial.conf").read_text().replace("/var/log/nginx/", f"{tmp_path}/")
    text = text.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{free_port()}")  # no portal: nginx answers 502
    (tmp_path / "sites" / "festival-trial.conf").write_text(text)
    main = NGINX_MAIN.format(root=tmp_path).replace("http {", "daemon off;\nhttp {", 1)
    (tmp_path / "nginx.conf").write_text(main)
    server = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        env=dict(os.environ, TZ="UTC"), stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/ru/") == 502)
    finally:
        server.terminate()
        server.wait(10)
    line = (tmp_path / "festival.access.log").read_text().splitlines()[0]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 127\.0\.0\.1 \"GET /ru/ HTTP/1\.1\" 502 ", line), line


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")
