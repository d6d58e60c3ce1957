"""gunicorn for the portal, in two pools of processes that nginx sends requests to by their path:

    GUNICORN_POOL=pages   gunicorn --config deploy/gunicorn.conf.py   # festival-web.service: every page
    GUNICORN_POOL=uploads gunicorn --config deploy/gunicorn.conf.py   # festival-uploads.service: /tus/ only

Pages: sync workers, GUNICORN_WORKERS of them (one per CPU, at least two), on GUNICORN_BIND (127.0.0.1:8000). Uploads:
GUNICORN_UPLOADS_WORKERS (2) gthread workers of GUNICORN_UPLOADS_THREADS (16) threads, on GUNICORN_UPLOADS_BIND
(127.0.0.1:8001). Several addresses are comma-separated. GUNICORN_ACCESS_LOG: "-" (standard output, the
default) or empty for none when nginx's log is enough.

Why two. nginx streams the uploader's 8 MiB pieces to the portal as they arrive (request buffering is off on
/tus/), so a PATCH lasts as long as the child's connection needs: over four minutes at 256 kbit/s. A sync
worker serves one request at a time: a few slow uploads would hold every process and the pages would wait
behind them. A gthread worker holds one thread per slow upload and keeps reporting to the arbiter meanwhile,
so a long piece is never cut. Pages are the other way round: nginx buffers the requests and the answers, and
a page is milliseconds of Python, which processes of their own do first come, first served, with no
interpreter lock to share (gunicorn's documentation recommends sync workers behind a buffering proxy; at about
100 requests a second bench/load.py measured the same p50 and p95 on eight threads a process, and p99s up to
half as long again). Slow uploads then never make a page wait. Django is thread-safe; each thread keeps its
own database connection: pages workers + uploads workers × threads per host count against PostgreSQL's
max_connections (100).

Why one pages process per CPU, not gunicorn's usual 2 × CPUs + 1. A page is CPU work with short waits on
PostgreSQL and Redis in between; with more processes than cores, a page that was half done waits for a core
while other pages start, and the slowest pages wait longest. A page that takes seconds (a region's .xlsx)
holds its process for as long: with a host of two cores, give the pool a third process (GUNICORN_WORKERS=3) if
such pages are asked for often, or add a host. Never fewer than two: with one, a single slow page, or the
process being replaced after max_requests, would stop every other page. bench/load.py measures the pages
under 200 users with this set-up.
"""

import datetime
import logging
import os

from gunicorn import glogging

POOL = os.environ.get("GUNICORN_POOL", "pages")
CPUS = len(os.sched_getaffinity(0))


def _addresses(variable, default):
    return [address.strip() for address in os.environ.get(variable, default).split(",") if address.strip()]


wsgi_app = "festival.wsgi:application"
if POOL == "pages":
    bind = _addresses("GUNICORN_BIND", "127.0.0.1:8000")
    worker_class = "sync"
    workers = int(os.environ.get("GUNICORN_WORKERS", max(2, CPUS)))
    # A page that takes longer than this is stuck: its process is replaced.
    timeout = 60
    proc_name = "festival-web"
elif POOL == "uploads":
    bind = _addresses("GUNICORN_UPLOADS_BIND", "127.0.0.1:8001")
    worker_class = "gthread"
    workers = int(os.environ.get("GUNICORN_UPLOADS_WORKERS", 2))
    threads = int(os.environ.get("GUNICORN_UPLOADS_THREADS", 16))
    # A worker process that stops reporting for this long is restarted (a stuck process, not a long request).
    timeout = 120
    proc_name = "festival-uploads"
else:
    raise SystemExit(f"GUNICORN_POOL must be 'pages' or 'uploads', not {POOL!r}.")

# On restart or reload, requests in progress (an upload piece) get this long to finish.
graceful_timeout = 120
# nginx closes each upstream connection after the response (deploy/nginx/festival-locations.conf).
keepalive = 2
# A fresh process now and then returns memory that image and spreadsheet handling left behind. Not too often:
# a new process costs a second or two of CPU to start Django and answers its first pages slower (on the
# deadline evening, at 2000, each of five processes started again every two minutes).
max_requests = 10000
max_requests_jitter = 1000

# Django trusts X-Forwarded-Proto and the last TRUSTED_PROXY_COUNT entries of X-Forwarded-For from whoever sends
# them (SECURE_PROXY_SSL_HEADER, festival/net.py): the ports must be reachable from nginx alone. gunicorn's own
# FORWARDED_ALLOW_IPS (environment, default 127.0.0.1) only sets wsgi.url_scheme, which Django does not need.


class AccessLogger(glogging.Logger):
    """Logs the client's address as the portal counts it (festival/net.py), not the whole X-Forwarded-For,
    whose left part the client writes."""

    def atoms(self, resp, req, environ, request_time):
        # Imported here: the worker has loaded the portal by then.
        from festival.net import forwarded_client

        atoms = super().atoms(resp, req, environ, request_time)
        atoms["client"] = forwarded_client(
            environ.get("HTTP_X_FORWARDED_FOR"), environ.get("REMOTE_ADDR", "-"), TRUSTED_PROXY_COUNT
        )
        return atoms


TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 1))
logger_class = AccessLogger
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The client's address, the request, status, bytes, milliseconds, the browser.
access_log_format = '%(client)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'

# Time stamps in UTC with the offset printed, in the arbiter (which never loads the portal) as in the workers
# (where Django has made TIME_ZONE the local zone): the clock of the portal's own lines (festival/logs.py, the
# same formatter) and of nginx's. An access line is the time, then access_log_format.


class UTCFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):
        return datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds")


if accesslog == "-":
    _access_handlers = {
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"}
    }
elif accesslog:
    _access_handlers = {"access": {"class": "logging.FileHandler", "formatter": "access", "filename": accesslog}}
else:
    _access_handlers = {}
logconfig_dict = {
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {
            "level": "INFO",
            "handlers": list(_access_handlers),
            "propagate": False,
            "qualname": "gunicorn.access",
        },
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
        **_access_handlers,
    },
    "formatters": {
        "generic": {"()": UTCFormatter, "fmt": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"},
        "access": {"()": UTCFormatter, "fmt": "%(asctime)s %(message)s"},
    },
}
