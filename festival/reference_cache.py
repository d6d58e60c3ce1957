"""The regions, and each region's schools, kept in the cache between requests.

A coordinator's every page starts from the region in its address, and the list of the region's films offers
its schools as a filter: rows that change when organizers import schools, a few times a year. Read from the
cache, they cost no query. Every write to a region or a school names a new version of the copies
(festival/cached.py), whether it comes through save(), delete() or a queryset's bulk writes; a copy also
expires on its own after a few minutes.

The copies are unpickled afresh for each request (not shared in memory), so a view may use the region it
gets as any other model instance.
"""

from . import cached

TIMEOUT = 300
_regions = cached.Versioned("regions", TIMEOUT)
_schools = cached.Versioned("schools", TIMEOUT)


def region_by_code(code):
    """The Region with this code, or None."""
    from .models import Region

    regions, _version = _regions.get(lambda: {region.code: region for region in Region.objects.all()})
    return regions.get(code)


def region_or_404(code):
    """The Region with this code; Http404 if there is none."""
    from django.http import Http404

    region = region_by_code(code)
    if region is None:
        raise Http404("No region with this code.")
    return region


def region_schools(region_id):
    """[(pk, name)] of the region's schools, by name."""
    from .models import School

    def read():
        return list(School.objects.filter(region_id=region_id).order_by("name").values_list("pk", "name"))

    schools, _version = _schools.get(read, item=str(region_id))
    return schools


def forget():
    _regions.forget()
    _schools.forget()


class ReferenceQuerySet(cached.ForgettingQuerySet):
    """For regions and schools: a bulk write forgets every copy."""

    def forget_all(self):
        forget()


def _changed(sender, **kwargs):
    forget()


def connect():
    from django.db.models.signals import post_delete, post_migrate, post_save

    from .models import Region, School

    post_migrate.connect(_changed, dispatch_uid="reference-cache-migrate")
    for model in (Region, School):
        post_save.connect(_changed, sender=model, dispatch_uid=f"reference-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"reference-cache-delete-{model.__name__}")
