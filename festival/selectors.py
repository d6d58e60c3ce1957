"""Reads used by several views."""

from django.db.models import Prefetch, Q

from .models import Edition, Participant, Region


def edition_for_landing():
    return Edition.objects.filter(is_current=True).prefetch_related("phases", "nominations", "age_groups").first()


def regions_coordinated_by(user):
    from .rules import coordinator_region_ids

    ids = coordinator_region_ids(user)
    return list(Region.objects.filter(pk__in=ids)) if ids else []


def region_participants(*, region, school_id="", query=""):
    qs = (
        Participant.objects.filter(region=region)
        .select_related("school", "supervisor")
        .prefetch_related(Prefetch("consents"))
    )
    if school_id.isdigit():
        qs = qs.filter(school_id=school_id)
    if query:
        qs = qs.filter(Q(last_name__icontains=query) | Q(first_name__icontains=query))
    return qs.order_by("last_name", "first_name")
