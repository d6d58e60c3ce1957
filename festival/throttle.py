"""Rate limits on what an outsider could use to probe or flood the portal: the forms that check an IIN, adding
team members, the public verification of documents and the creation of uploads.

Counted by django-ratelimit in the shared cache (Redis in production), per account ("user") and per client
address ("ip": festival/net.py, an IPv6 client by its /64), at the rates of settings.RATE_LIMITS. Each limit
is a fixed window: the answer past it is 429 with Retry-After, the seconds until the window ends. Login
throttling is django-axes' (settings).
"""

import functools
import math

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage


def limit_reached(request, group):
    """Count this request against each limit of `group` (settings.RATE_LIMITS); the seconds to wait when one is
    exceeded, else None.

    Every limit is counted, so that a refused request still uses up the other ones: a client cannot dodge the
    per-address limit by spreading its requests over accounts.
    """
    waits = []
    for key, rate in settings.RATE_LIMITS[group]:
        usage = get_usage(request, group=f"{group}:{key}", key=key, rate=rate, increment=True)
        if usage is not None and usage["should_limit"]:
            waits.append(max(1, usage["time_left"]))
    return max(waits) if waits else None


def too_many_requests(request, retry_after):
    """The 429 page, in the reader's language, with Retry-After."""
    minutes = max(1, math.ceil(retry_after / 60))
    message = _("Too many attempts in a short time. Try again in %(minutes)s min.") % {"minutes": minutes}
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(group, *, methods=("POST",), applies=None):
    """A view decorator: requests of `methods` (and for which `applies(request)` is true) count against the
    limits of `group`; past one of them the view is not run and the answer is the 429 page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and (applies is None or applies(request)):
                retry_after = limit_reached(request, group)
                if retry_after:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def posts_an_iin(request):
    """A form post that asks the database about an IIN (the field is optional)."""
    return bool(request.POST.get("iin", "").strip())
