"""Copies of database rows kept in the cache between requests, never stale after a change.

A copy is stored with its version: a random name kept in the cache. Every change to the rows drops the
version — at once and again after its transaction commits — and the next read names a new one, so a request
that read the old rows in between stores them with a version no one takes for current any more. A copy and
the versions it must match come back in one round trip to the cache. (Dropping a key works even when Redis
refuses writes because its memory is full.) A `Versioned` cache has one version for all its copies and, when
copies are per item (a user), one more per item: a change to one item drops that item's, a bulk change all of
them. Nothing read inside a transaction is stored (it may be rolled back), and a transaction that changed the
rows reads them from the database until it ends. If the cache is down, every read goes to the database, every
change still goes through, and for a few seconds no request waits for the cache again.

Within one request a version is read from the cache once: a page that asks for the current edition three
times asks Redis once, and sees one edition throughout. The request's first read from the cache (the session's,
on a signed-in page) also asks for the versions nearly every page needs next (`Versioned(..., early=...)`), and
the copies the request said it will ask for (`expect`: the signed-in person's, and those the same session's
last request read in this process): one round trip instead of one per copy. A change made by the request itself
drops what it read; a change made elsewhere meanwhile is seen by the next request.
"""

import logging
import threading
import time
import uuid

from django.core.cache import cache
from django.db import connection, models, transaction

logger = logging.getLogger(__name__)
# A version outlives every copy stored under it; when it expires, the next read names a new one (a miss).
VERSION_TIMEOUT = 24 * 60 * 60
# After a failed cache call, reads skip the cache for this long instead of waiting for it again and again.
PAUSE_AFTER_FAILURE = 5.0
# What the cache holds for "nothing" (None would read as "not cached").
_NOTHING = "nothing"
_down_until = [0.0]
# The Versioned caches whose rows the transaction now open on this thread changed (cleared outside one).
_changed_here = threading.local()
# The versions this thread's request has read, by key (None outside a request: Celery tasks, commands).
_request = threading.local()
_ABSENT = object()
# The Versioned caches whose versions the request's first read from the cache asks for too (`early`).
_EARLY = []
# In the request's versions: its first read from the cache was made.
_FIRST_READ_DONE = ("first read done",)
# In the request's versions: the copies its first read also asks for (`expect`), and what it found of them.
_EXPECTED = ("expected copies",)
_FOUND_COPY = "found copy"
# In the request's versions: the copies it asked for, (Versioned, item) each, in the order asked (`reads`).
_READS = ("copies read",)


def request_started(**_kwargs):
    _request.versions = {}


def request_finished(**_kwargs):
    _request.versions = None


def connect():
    from django.core import signals

    signals.request_started.connect(request_started, dispatch_uid="festival.cached.request_started")
    signals.request_finished.connect(request_finished, dispatch_uid="festival.cached.request_finished")


def _read_many(version_keys, extra=()):
    """The version keys (and the `extra` keys) found in the cache, as get_many; None if the cache is down. The
    request's versions already read are not asked again."""
    known = getattr(_request, "versions", None)
    if known is None:
        return cache_call(cache.get_many, [*version_keys, *extra])
    copy_keys = []
    if _FIRST_READ_DONE not in known:
        known[_FIRST_READ_DONE] = True
        early = _early_keys()
        for copies, item in known.pop(_EXPECTED, ()):
            early.extend(copies._version_keys(item))
            copy_keys.append(copies.copy_key(item))
        version_keys = [*version_keys, *dict.fromkeys(key for key in early if key not in version_keys)]
    missing = [key for key in version_keys if key not in known]
    if not missing and not extra and not copy_keys:
        found = {}
    else:
        found = cache_call(cache.get_many, [*missing, *extra, *copy_keys])
        if found is None:
            return None
        for key in missing:
            known[key] = found.get(key, _ABSENT)
        # Read in the same round trip as their versions: Versioned.get takes them instead of asking again.
        for key in copy_keys:
            known[_FOUND_COPY, key] = found.pop(key, None)
    for key in version_keys:
        if known[key] is not _ABSENT:
            found[key] = known[key]
    return found


def _early_keys():
    keys = []
    for copies in _EARLY:
        keys.append(copies._version_key())
        keys.extend(copies._version_key(item) for item in copies.early())
    return keys


def expect(copies, item):
    """Say that this request will ask `copies` (a Versioned cache) for `item`'s copy, before its first read from
    the cache: that read then brings the copy and its versions too, a round trip fewer. Too late, or outside
    a request, it does nothing; a wrong guess costs only the keys it read for nothing."""
    known = getattr(_request, "versions", None)
    if known is not None and _FIRST_READ_DONE not in known:
        expected = known.setdefault(_EXPECTED, [])
        if (copies, item) not in expected:
            expected.append((copies, item))


def reads():
    """The copies this request asks for, (Versioned, item) each: a list that grows as the request goes on (those
    kept in the process's memory left out, their versions being early). Given to `expect` at the start of the
    same person's next request (festival/sessions.py), it makes that request's first read bring them all: a
    coordinator's next page of the region reads the region, its schools and its stage in that round trip too.
    None outside a request."""
    known = getattr(_request, "versions", None)
    return None if known is None else known.setdefault(_READS, [])


def read_with_session(key):
    """The cache's value at `key` (the request's session, festival/sessions.py), read in the same round trip as
    the versions nearly every page asks for next (`Versioned(..., early=...)`); None if not there."""
    found = _read_many([], (key,))
    return None if found is None else found.get(key)


def _remember(key, value):
    known = getattr(_request, "versions", None)
    if known is not None:
        if value is None:
            known.pop(key, None)
        else:
            known[key] = value


def cache_call(method, *args, must_try=False):
    """`method(*args)`, or None if the cache fails (or failed a moment ago, unless `must_try`): the cache being
    down costs the queries, not the page or the change."""
    if not must_try and time.monotonic() < _down_until[0]:
        return None
    try:
        return method(*args)
    except Exception as error:  # whatever the cache backend raises
        _down_until[0] = time.monotonic() + PAUSE_AFTER_FAILURE
        (logger.error if must_try else logger.warning)("cache unavailable: %s", error)
        return None


def _site():
    # The database server and name keep apart sites (and test runs) that share one Redis.
    settings = connection.settings_dict
    return f"{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


class Versioned:
    """`in_process=True` also keeps the last copy read in this process's memory, used while its version is
    current and for no longer than the cache would keep it: one cache read instead of two and no unpickling.
    Only for copies every caller treats as read-only (the request's user is not: attributes are cached on it
    during a request). `early`, for copies nearly every page needs (the current edition): their versions are
    asked for by the request's first read from the cache, whatever it reads — `early()` gives the items whose
    versions come too (per-item copies: those a page is likely to ask for; a wrong guess costs nothing but
    the round trip it did not save)."""

    def __init__(self, name, timeout, *, in_process=False, early=None):
        self.name, self.timeout, self.in_process = name, timeout, in_process
        if early is not None:
            self.early = early
            _EARLY.append(self)
        # ((copy key, version), copy, when it was read from the database): the last copy read, in this process.
        self._last = (None, None, 0.0)

    def _version_key(self, item=None):
        return f"festival:{self.name}:version:{_site()}" + ("" if item is None else f":{item}")

    def _version_keys(self, item):
        return [self._version_key()] + ([] if item is None else [self._version_key(item)])

    def _versions(self, keys, found):
        """The name of the copy now current, from the version keys `found` (a dict) or naming new ones."""
        versions = []
        for key in keys:
            if key not in found:
                # The first read (or the first after a change) names it; two at once agree through add().
                cache_call(cache.add, key, uuid.uuid4().hex, VERSION_TIMEOUT)
                named = cache_call(cache.get, key)
                _remember(key, named)
                found[key] = named or uuid.uuid4().hex
            versions.append(found[key])
        return "-".join(versions)

    def version(self, item=None):
        """The name of the copy now current (of `item`'s, for per-item copies)."""
        keys = self._version_keys(item)
        found = _read_many(keys)
        if found is None:  # the cache is down: a name no copy has
            return uuid.uuid4().hex
        return self._versions(keys, found)

    def last_in_process(self):
        """The copy this process read last (in_process copies), current or not, without asking the cache;
        None if none was read."""
        return self._last[1]

    def copy_key(self, item=None):
        """Where the copy (of `item`) is kept, with the version it was read under: one place per item, so a
        copy and the versions it must match come back from the cache together."""
        return f"festival:{self.name}:copy:{_site()}" + ("" if item is None else f":{item}")

    def get(self, read, item=None):
        """(the copy, its version): from the cache, or `read()` from the database and kept. A transaction
        that changed these rows reads them from the database until it ends: its own changes, not a copy."""
        if connection.in_atomic_block:
            if self.name in getattr(_changed_here, "names", ()):
                return read(), uuid.uuid4().hex
        elif getattr(_changed_here, "names", None):
            _changed_here.names = set()
        keys, key = self._version_keys(item), self.copy_key(item)
        known = getattr(_request, "versions", None)
        early_copy = _ABSENT
        if known is not None:
            early_copy = known.pop((_FOUND_COPY, key), _ABSENT)
            if not self.in_process:
                read_here = known.setdefault(_READS, [])
                if (self, item) not in read_here:
                    read_here.append((self, item))
        # In memory, the copy needs only its version from the cache; otherwise the copy comes with it, unless the
        # request's first read brought both (`expect`).
        found = _read_many(keys, () if self.in_process or early_copy is not _ABSENT else (key,))
        if found is None:  # the cache is down: from the database, kept nowhere
            return read(), uuid.uuid4().hex
        kept = found.pop(key, None) if early_copy is _ABSENT else early_copy
        version = self._versions(keys, found)
        last_version, last, read_at = self._last
        # The timeout also bounds writes that send no signal (raw SQL): counted from the database read.
        if self.in_process:
            if last_version == (key, version) and time.time() - read_at < self.timeout:
                return last, version
            kept = cache_call(cache.get, key)
        # A copy read under another version is of rows changed since.
        if kept is not None and kept[0] == version:
            _version, read_at, value = kept
            value = None if value == _NOTHING else value
        else:
            read_at, value = time.time(), read()
            if connection.in_atomic_block:
                return value, version
            cache_call(cache.set, key, (version, read_at, _NOTHING if value is None else value), self.timeout)
        if self.in_process:
            self._last = ((key, version), value, read_at)
        return value, version

    def forget(self, item=None):
        """Drop the version now and once the current transaction (if any) commits: of `item`, or of all."""
        key = self._version_key(item)
        _remember(key, None)
        cache_call(cache.delete, key, must_try=True)
        if connection.in_atomic_block:
            _changed_here.names = getattr(_changed_here, "names", set()) | {self.name}
            transaction.on_commit(lambda: (_remember(key, None), cache_call(cache.delete, key, must_try=True)))


class ForgettingQuerySet(models.QuerySet):
    """For models kept in a Versioned cache: the bulk writes that send no signals forget the copies they
    touch, before and after (outside a transaction the write commits at once, and a read just before it may
    have kept the old rows). Writes that bypass querysets (raw SQL, a related manager's add(bulk=True)) are
    caught by the copies' timeout. Subclasses say how in `forget_all` and, for per-item copies,
    `affected_items` and `forget_items`."""

    # More items than this and a write forgets every copy instead of asking which.
    MAX_ITEMS = 100
    # The fields that say which item a row belongs to: an update() that sets one moves rows to items the
    # rows before it do not name, and forgets every copy.
    item_fields = ()

    def forget_all(self):
        raise NotImplementedError

    def affected_items(self):
        """The items whose copies the rows of this queryset are part of; None for "all"."""
        return None

    def forget_items(self, items):
        raise NotImplementedError

    def _forgetting(self, write, *args, items=None, **kwargs):
        if items is not None and len(items) <= self.MAX_ITEMS:
            forget = lambda: self.forget_items(items)  # noqa: E731
        else:
            forget = self.forget_all
        forget()
        try:
            return write(*args, **kwargs)
        finally:
            forget()

    def update(self, **kwargs):
        items = None if set(kwargs) & set(self.item_fields) else self.affected_items()
        return self._forgetting(super().update, items=items, **kwargs)

    def bulk_create(self, *args, **kwargs):
        return self._forgetting(super().bulk_create, *args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        return self._forgetting(super().bulk_update, *args, **kwargs)

    def delete(self):
        return self._forgetting(super().delete, items=self.affected_items())

    # As Django's own: not callable from templates, and no Model.objects.delete() deleting every row.
    update.alters_data = bulk_create.alters_data = bulk_update.alters_data = delete.alters_data = True
    delete.queryset_only = True
