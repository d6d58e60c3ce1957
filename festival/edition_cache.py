"""The current edition with its phases, nominations and age groups, kept in the cache between requests.

Nearly every page needs them (the landing page, a student's page, the phase checks, a coordinator's filters),
and they change a few times a year, when organizers set the dates or the nominations. Read from the database,
they are four queries; from the cache, two reads (which version of the copy is current, and that copy). Every
write to an edition, a phase, a nomination or an age group names a new version — at once and again after its
transaction commits, so that a request reading the old rows in between keeps them under a version no one reads
— whether it comes through save(), delete(), or a queryset's update(), bulk_create() or bulk_update(). A copy
also expires on its own after a few minutes, whatever happens.

The cached edition is for reading: a view that changes an edition reads it from the database.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)
TIMEOUT = 120
# What the cache holds while no edition is current (None would read as "not cached").
_NO_EDITION = "no current edition"


def _version_key():
    # The database's name keeps apart sites (and test runs) that share one Redis.
    return f"festival:current-edition:version:{connection.settings_dict['NAME']}"


def _version():
    """The name of the copy now current: every change gives a new one, and the old copies are never read again."""
    key = _version_key()
    version = _cache_call(cache.get, key)
    if version is None:
        # The first request (or the first after Redis lost its keys) names it; two at once agree through add().
        _cache_call(cache.add, key, uuid.uuid4().hex, None)
        version = _cache_call(cache.get, key) or uuid.uuid4().hex
    return version


def _copy_key(version):
    return f"festival:current-edition:v2:{connection.settings_dict['NAME']}:{version}"


def current_edition():
    """The current Edition (or None), its phases, nominations and age groups prefetched; `cache_stamp` names
    this copy, for fragments of pages made from it."""
    from .models import Edition

    version = _version()
    key = _copy_key(version)
    cached = _cache_call(cache.get, key)
    if cached is not None:
        return None if cached == _NO_EDITION else cached
    edition = Edition.objects.filter(is_current=True).prefetch_related("phases", "nominations", "age_groups").first()
    if edition is not None:
        edition.cache_stamp = version
    # Inside a transaction the read may see writes that are rolled back later: not kept. A read that raced
    # a change is kept under the version it started with, which that change has already replaced.
    if not connection.in_atomic_block:
        _cache_call(cache.set, key, _NO_EDITION if edition is None else edition, TIMEOUT)
    return edition


def with_parts(edition):
    """`edition`, or the cached copy of it when it is the current one (its phases and the rest prefetched)."""
    current = current_edition() if edition is not None else None
    return current if current is not None and current.pk == edition.pk else edition


def cached_text(key, make):
    """A piece of a page made from the cached edition: `key` must name everything it is made of."""
    text = _cache_call(cache.get, key)
    if text is None:
        text = make()
        _cache_call(cache.set, key, str(text), TIMEOUT)
    # What was kept is a rendered template of ours, escaped when it was made.
    return mark_safe(text)  # noqa: S308


def forget():
    """Start a new version of the copy now and again once the current transaction (if any) commits: a request
    that read the old rows in between keeps them under a version no one asks for any more."""
    key = _version_key()
    _cache_call(cache.set, key, uuid.uuid4().hex, None)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _cache_call(cache.set, key, uuid.uuid4().hex, None))


def _cache_call(method, *args):
    """The cache being down costs the queries, not the page or the organizer's change (the copy expires)."""
    try:
        return method(*args)
    except Exception as error:  # whatever the cache backend raises
        logger.warning("edition cache unavailable: %s", error)
        return None


class EditionPartQuerySet(models.QuerySet):
    """For the models kept in the cached copy: the bulk writes that send no signals forget it too, before and
    after (outside a transaction the write commits at once, and a read just before it may have kept the old
    rows). Writes that bypass querysets (raw SQL, a related manager's add(bulk=True)) are caught by TIMEOUT."""

    def update(self, **kwargs):
        forget()
        try:
            return super().update(**kwargs)
        finally:
            forget()

    def bulk_create(self, *args, **kwargs):
        forget()
        try:
            return super().bulk_create(*args, **kwargs)
        finally:
            forget()

    def bulk_update(self, *args, **kwargs):
        forget()
        try:
            return super().bulk_update(*args, **kwargs)
        finally:
            forget()

    def delete(self):
        forget()
        try:
            return super().delete()
        finally:
            forget()


def _changed(sender, **kwargs):
    forget()


def _migrated(sender, **kwargs):
    forget()


def connect(*models_cached):
    from django.db.models.signals import post_delete, post_migrate, post_save

    # A migration (or a test database flushed and loaded again) may change the rows under the copy.
    post_migrate.connect(_migrated, dispatch_uid="edition-cache-migrate")

    for model in models_cached:
        post_save.connect(_changed, sender=model, dispatch_uid=f"edition-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"edition-cache-delete-{model.__name__}")
