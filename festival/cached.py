"""Copies of database rows kept in the cache between requests, never stale after a change.

A copy is stored under a version: a random name kept in the cache. Every change to the rows names a new
version — at once and again after its transaction commits — so a request that read the old rows in between
stores them under a version no one reads any more; old copies simply expire. A `Versioned` cache has one
version for all its copies and, when copies are per item (a user), one more per item: a change to one item
renames that item's, a bulk change renames all. Nothing read inside a transaction is stored (it may be rolled
back). If the cache is down, every read goes to the database and every change still goes through.
"""

import logging
import time
import uuid

from django.core.cache import cache
from django.db import connection, models, transaction

logger = logging.getLogger(__name__)
# A version outlives every copy stored under it; when it expires, the next read names a new one (a miss).
VERSION_TIMEOUT = 24 * 60 * 60
# What the cache holds for "nothing" (None would read as "not cached").
_NOTHING = "nothing"


def cache_call(method, *args):
    """The cache being down costs the queries, not the page or the change (copies expire)."""
    try:
        return method(*args)
    except Exception as error:  # whatever the cache backend raises
        logger.warning("cache unavailable: %s", error)
        return None


class Versioned:
    """`in_process=True` also keeps the last copy read in this process's memory, used while its version is
    current: one cache read instead of two and no unpickling. Only for copies every caller treats as
    read-only (the request's user is not: attributes are cached on it during a request)."""

    def __init__(self, name, timeout, *, in_process=False):
        self.name, self.timeout, self.in_process = name, timeout, in_process
        self._last = (None, None, 0.0)  # (copy key, copy, when read), in this process

    def _version_key(self, item=None):
        # The database's name keeps apart sites (and test runs) that share one Redis.
        database = connection.settings_dict["NAME"]
        return f"festival:{self.name}:version:{database}" + ("" if item is None else f":{item}")

    def version(self, item=None):
        """The name of the copy now current (of `item`'s, for per-item copies)."""
        keys = [self._version_key()] + ([] if item is None else [self._version_key(item)])
        found = cache_call(cache.get_many, keys) or {}
        versions = []
        for key in keys:
            if key not in found:
                # The first read (or the first after Redis lost its keys) names it; two at once agree via add().
                cache_call(cache.add, key, uuid.uuid4().hex, VERSION_TIMEOUT)
                found[key] = cache_call(cache.get, key) or uuid.uuid4().hex
            versions.append(found[key])
        return "-".join(versions)

    def copy_key(self, version):
        return f"festival:{self.name}:copy:{connection.settings_dict['NAME']}:{version}"

    def get(self, read, item=None):
        """(the copy, its version): from the cache, or `read()` from the database and kept."""
        version = self.version(item)
        key = self.copy_key(version)
        last_key, last, read_at = self._last
        # Not longer than the cache keeps it: the timeout also bounds writes that send no signal (raw SQL).
        if self.in_process and last_key == key and time.monotonic() - read_at < self.timeout:
            return last, version
        cached = cache_call(cache.get, key)
        if cached is not None:
            value = None if cached == _NOTHING else cached
        else:
            value = read()
            if connection.in_atomic_block:
                return value, version
            cache_call(cache.set, key, _NOTHING if value is None else value, self.timeout)
        if self.in_process:
            self._last = (key, value, time.monotonic())
        return value, version

    def forget(self, item=None):
        """A new version now and once the current transaction (if any) commits: of `item`, or of all."""
        key = self._version_key(item)
        cache_call(cache.set, key, uuid.uuid4().hex, VERSION_TIMEOUT)
        if connection.in_atomic_block:
            transaction.on_commit(lambda: cache_call(cache.set, key, uuid.uuid4().hex, VERSION_TIMEOUT))


class ForgettingQuerySet(models.QuerySet):
    """For models kept in a Versioned cache: the bulk writes that send no signals forget all copies, before and
    after (outside a transaction the write commits at once, and a read just before it may have kept the old
    rows). Writes that bypass querysets (raw SQL, a related manager's add(bulk=True)) are caught by the
    copies' timeout. Subclasses say which cache in `forget_all`."""

    def forget_all(self):
        raise NotImplementedError

    def _forgetting(self, write, *args, **kwargs):
        self.forget_all()
        try:
            return write(*args, **kwargs)
        finally:
            self.forget_all()

    def update(self, **kwargs):
        return self._forgetting(super().update, **kwargs)

    def bulk_create(self, *args, **kwargs):
        return self._forgetting(super().bulk_create, *args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        return self._forgetting(super().bulk_update, *args, **kwargs)

    def delete(self):
        return self._forgetting(super().delete)
