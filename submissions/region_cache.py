"""What a coordinator's pages show of the regional stage's settings, kept in the cache between requests: the
region's finalist quotas and its sign-off.

They change a few times in an edition (an organizer sets the quotas, the coordinator signs off once), and the
list of the region's films shows both on every filter a coordinator clicks. Every write to a quota or a
sign-off names a new version of that region's copy (festival/cached.py); a bulk write, of every region's. The
services that enforce them (a quota counted when a finalist is chosen, the sign-off locking the list) read the
database, under their locks, not this.
"""

from festival import cached

TIMEOUT = 300
_copies = cached.Versioned("region-stage", TIMEOUT)


def _item(edition_id, region_id):
    return f"{edition_id}:{region_id}"


def region_stage(*, edition, region):
    """{"quotas": {nomination id: quota set by the organizer}, "signoff": the RegionSignoff (its signer read
    with it) or None}."""
    from .models import RegionQuota, RegionSignoff

    if edition is None:  # between editions: nothing set
        return {"quotas": {}, "signoff": None}

    def read():
        return {
            "quotas": dict(
                RegionQuota.objects.filter(edition=edition, region=region).values_list("nomination_id", "quota")
            ),
            "signoff": RegionSignoff.objects.filter(edition=edition, region=region).select_related("signed_by").first(),
        }

    stage, _version = _copies.get(read, item=_item(edition.pk, region.pk))
    return stage


def forget(edition_id=None, region_id=None):
    _copies.forget(None if edition_id is None else _item(edition_id, region_id))


class RegionStageQuerySet(cached.ForgettingQuerySet):
    """For quotas and sign-offs: a bulk write forgets the copies of the regions it touches (every region's,
    for more than a hundred, or when it moves rows to another region or edition)."""

    item_fields = ("edition", "edition_id", "region", "region_id")

    def forget_all(self):
        forget()

    def affected_items(self):
        return list(self.order_by().values_list("edition_id", "region_id").distinct()[: self.MAX_ITEMS + 1])

    def forget_items(self, items):
        for edition_id, region_id in items:
            forget(edition_id, region_id)


def _before_save(sender, instance, **kwargs):
    # A row moved to another region or edition: the one it leaves loses its copy too.
    if not instance._state.adding and instance.pk is not None:
        for edition_id, region_id in sender._base_manager.filter(pk=instance.pk).values_list("edition_id", "region_id"):
            forget(edition_id, region_id)


def _changed(sender, instance, **kwargs):
    forget(instance.edition_id, instance.region_id)


def connect():
    from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

    from .models import RegionQuota, RegionSignoff

    post_migrate.connect(lambda **kwargs: forget(), weak=False, dispatch_uid="region-stage-migrate")
    for model in (RegionQuota, RegionSignoff):
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"region-stage-before-{model.__name__}")
        post_save.connect(_changed, sender=model, dispatch_uid=f"region-stage-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"region-stage-delete-{model.__name__}")
