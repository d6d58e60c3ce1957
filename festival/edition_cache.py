"""The current edition with its phases, nominations and age groups, kept in the cache between requests.

Nearly every page needs them (the landing page, a student's page, the phase checks, a coordinator's filters),
and they change a few times a year, when organizers set the dates or the nominations. Read from the database,
they are four queries; from the cache, two reads (which version of the copy is current, and that copy). Every
write to an edition, a phase, a nomination or an age group names a new version (festival/cached.py), whether
it comes through save(), delete(), or a queryset's update(), bulk_create() or bulk_update(). A copy also
expires on its own after a few minutes, whatever happens.

The cached edition is for reading — one copy serves every request of a process while its version is current —
so a view that changes an edition reads it from the database, and nothing sets attributes on the copy.
"""

from django.utils.safestring import mark_safe

from . import cached

TIMEOUT = 120
_copies = cached.Versioned("current-edition", TIMEOUT, in_process=True, early=lambda: ())


def current_edition():
    """The current Edition (or None), its phases, nominations and age groups prefetched; `cache_stamp` names
    this copy, for fragments of pages made from it."""
    from .models import Edition

    def read():
        return Edition.objects.filter(is_current=True).prefetch_related("phases", "nominations", "age_groups").first()

    edition, version = _copies.get(read)
    if edition is not None:
        edition.cache_stamp = version
    return edition


def last_known_pk():
    """The id of the current edition as this process last read it (maybe changed since), without a read."""
    edition = _copies.last_in_process()
    return None if edition is None else edition.pk


def with_parts(edition):
    """`edition`, or the cached copy of it when it is the current one (its phases and the rest prefetched)."""
    current = current_edition() if edition is not None else None
    return current if current is not None and current.pk == edition.pk else edition


def cached_text(key, make):
    """A piece of a page made from the cached edition: `key` must name everything it is made of."""
    text = cached.cache_call(cached.cache.get, key)
    if text is None:
        text = make()
        cached.cache_call(cached.cache.set, key, str(text), TIMEOUT)
    # What was kept is a rendered template of ours, escaped when it was made.
    return mark_safe(text)  # noqa: S308


def forget():
    """A new version of the copy, now and once the current transaction (if any) commits."""
    _copies.forget()


class EditionPartQuerySet(cached.ForgettingQuerySet):
    """For the models kept in the cached copy."""

    def forget_all(self):
        forget()


def _changed(sender, **kwargs):
    forget()


def connect(*models_cached):
    from django.db.models.signals import post_delete, post_migrate, post_save

    # A migration (or a test database flushed and loaded again) may change the rows under the copy.
    post_migrate.connect(_changed, dispatch_uid="edition-cache-migrate")
    for model in models_cached:
        post_save.connect(_changed, sender=model, dispatch_uid=f"edition-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"edition-cache-delete-{model.__name__}")
