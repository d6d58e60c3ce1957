"""Reading settings from the environment.

Every helper fails loudly: a missing required value or a value that does not parse raises
ImproperlyConfigured naming the variable, so a misconfigured server refuses to start instead of
running with a silent default.
"""

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=_MISSING):
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name, default=_MISSING):
    raw = env_str(name, None)
    if raw is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_int(name, default=_MISSING, *, minimum=None):
    raw = env_str(name, None)
    if raw is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name, default=_MISSING):
    raw = env_str(name, None)
    if raw is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return list(default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but lists nothing.")
    return items


def env_url(name, default=_MISSING, *, schemes):
    """A URL whose scheme is one of `schemes` and which names a host (or a path for file-like schemes)."""
    raw = env_str(name, default)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must start with one of {', '.join(s + '://' for s in sorted(schemes))}; got {raw!r}."
        )
    # console:// (letters printed by the worker) is complete as it is.
    if parsed.scheme != "console" and not (parsed.hostname or parsed.path.strip("/")):
        raise ImproperlyConfigured(f"{name}={raw!r} names neither a host nor a path.")
    return raw
