"""The client's address, the one place the portal reads it: login throttling (django-axes), the rate limits
(django-ratelimit) and gunicorn's access log (deploy/gunicorn.conf.py) all ask here.

Each trusted proxy appends the address it saw to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for). Whatever
stands left of those entries was written by the client and proves nothing: the client's address is the entry
TRUSTED_PROXY_COUNT places from the right, the one the outermost trusted proxy saw. With no proxy
(TRUSTED_PROXY_COUNT=0, runserver) it is REMOTE_ADDR.

Not django-ipware's reading: its proxy_count counts the proxies named inside the header, and with
"right-most" it takes the entry proxy_count + 1 from the right, which behind one nginx is the client's own
forged value.

`forwarded_client` needs no settings: gunicorn's access log calls it too.
"""

import ipaddress

from django.conf import settings


def forwarded_client(forwarded_for, remote_addr, trusted_proxies):
    """The address the outermost trusted proxy saw.

    `forwarded_for` is the X-Forwarded-For header (or None), `remote_addr` the peer of this process,
    `trusted_proxies` how many proxies in front of it append to the header. Fewer entries than trusted proxies
    means the request skipped the outer ones: every entry was still written by a proxy of ours, and the
    left-most is the farthest one's peer. A malformed entry (a proxy of ours never writes one) falls back on
    the peer's address.
    """
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    entries = [entry.strip() for entry in forwarded_for.split(",")]
    candidate = entries[-min(trusted_proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def client_ip(request):
    """The client's address of a Django request (AXES_CLIENT_IP_CALLABLE, RATELIMIT_IP_META_KEY)."""
    return forwarded_client(
        request.META.get("HTTP_X_FORWARDED_FOR"),
        request.META.get("REMOTE_ADDR") or "",
        settings.TRUSTED_PROXY_COUNT,
    )
