"""gunicorn for the portal: `gunicorn --config deploy/gunicorn.conf.py` (festival-web.service does this).

Environment: GUNICORN_BIND (default 127.0.0.1:8000; comma-separated for several addresses), GUNICORN_WORKERS
(default 2 × CPUs + 1), GUNICORN_THREADS (default 8), GUNICORN_ACCESS_LOG (default "-", standard output;
empty for none when nginx's log is enough).
"""

import os

wsgi_app = "festival.wsgi:application"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

# gthread, not sync. nginx streams the uploader's 8 MiB pieces to the portal as they arrive (request buffering
# is off on /tus/), so a PATCH lasts as long as the child's connection needs: over four minutes at 256 kbit/s.
# A sync worker is one request at a time and is killed by the arbiter once a request outlasts `timeout`; a
# gthread worker keeps reporting to the arbiter while its threads wait on slow clients, so a long piece is
# never cut and one slow upload holds one thread, not a whole process. Django is thread-safe; each thread
# keeps its own database connection (workers × threads per host count against PostgreSQL's max_connections).
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * len(os.sched_getaffinity(0)) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 8))

# A worker process that stops reporting for this long is restarted (a stuck process, not a long request).
timeout = 120
# On restart or reload, requests in progress (an upload piece) get this long to finish.
graceful_timeout = 120
# nginx closes each upstream connection after the response (deploy/nginx/festival-locations.conf).
keepalive = 2
# A fresh process now and then returns memory that image and spreadsheet handling left behind.
max_requests = 2000
max_requests_jitter = 200

# Django trusts X-Forwarded-Proto and X-Forwarded-For from whoever sends them (SECURE_PROXY_SSL_HEADER,
# TRUSTED_PROXY_COUNT): the port must be reachable from nginx alone. gunicorn's own FORWARDED_ALLOW_IPS
# (environment, default 127.0.0.1) only sets wsgi.url_scheme, which Django does not need.

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# The client's address as nginx forwarded it, the request, status, bytes, milliseconds, the browser.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
proc_name = "festival-web"
