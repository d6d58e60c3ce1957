"""What the jury's pages show of an edition's judging set-up, kept in the cache between requests: its
criteria and whether its results are locked.

A juror's scoring page needs both on every film (the criteria make the form; the lock, with the deadline,
whether it can still be changed), and the public results page needs the lock on every request of the results
night. They change a few times in an edition. Every write to a criterion or to the lock names a new version of
the edition's copy (festival/cached.py), and a bulk write of every edition's. A score's save takes them from
the copy too: a version is dropped before and after each change commits, so the copy is never older than the
last committed change — what a read of the rows would give, since neither the save nor the lock takes a lock
on them. Deciding awards and locking read the database.
"""

from festival import cached, edition_cache

TIMEOUT = 120


def _early():
    # The current edition's copy: what the jury's pages and the public results ask for.
    pk = edition_cache.last_known_pk()
    return () if pk is None else (str(pk),)


_copies = cached.Versioned("judging-setup", TIMEOUT, in_process=True, early=_early)


def judging_setup(edition):
    """{"criteria": the edition's criteria (read-only), "lock": {"pk", "locked", "changed_at"} or None}."""
    from .models import Criterion, ResultsLock

    def read():
        return {
            "criteria": list(Criterion.objects.filter(edition=edition)),
            "lock": ResultsLock.objects.filter(edition=edition).values("pk", "locked", "changed_at").first(),
        }

    setup, _version = _copies.get(read, item=str(edition.pk))
    return setup


def criteria_for(*, edition, nomination):
    """services.criteria_for, from the copy."""
    from .services import pick_criteria

    return pick_criteria(judging_setup(edition)["criteria"], nomination)


def locked_results(edition):
    """The lock ({"pk", "changed_at"}) while the edition's results are locked, else None."""
    lock = judging_setup(edition)["lock"]
    return lock if lock is not None and lock["locked"] else None


def forget(edition_id=None):
    _copies.forget(None if edition_id is None else str(edition_id))


class JudgingSetupQuerySet(cached.ForgettingQuerySet):
    """For criteria and the lock: a bulk write forgets the copies of the editions it touches (every edition's
    when it moves rows to another one)."""

    item_fields = ("edition", "edition_id")

    def forget_all(self):
        forget()

    def affected_items(self):
        return list(self.order_by().values_list("edition_id", flat=True).distinct()[: self.MAX_ITEMS + 1])

    def forget_items(self, items):
        for edition_id in items:
            forget(edition_id)


def _before_save(sender, instance, **kwargs):
    # A criterion moved to another edition: the one it leaves loses its copy too.
    if not instance._state.adding and instance.pk is not None:
        for edition_id in sender._base_manager.filter(pk=instance.pk).values_list("edition_id", flat=True):
            forget(edition_id)


def _changed(sender, instance, **kwargs):
    forget(instance.edition_id)


def connect():
    from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

    from .models import Criterion, ResultsLock

    post_migrate.connect(lambda **kwargs: forget(), weak=False, dispatch_uid="judging-setup-migrate")
    for model in (Criterion, ResultsLock):
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"judging-setup-before-{model.__name__}")
        post_save.connect(_changed, sender=model, dispatch_uid=f"judging-setup-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"judging-setup-delete-{model.__name__}")
