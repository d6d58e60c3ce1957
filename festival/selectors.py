"""Reads used by several views."""

from django.db.models import Count, Exists, OuterRef, Q

from .models import Consent, Participant, Region, School, User
from .rules import coordinator_region_ids


def regions_coordinated_by(user):
    ids = coordinator_region_ids(user)
    return list(Region.objects.filter(pk__in=ids)) if ids else []


def region_participants(*, region, school_id="", query=""):
    qs = with_consent_flag(Participant.objects.filter(region=region).select_related("school", "supervisor"))
    if school_id.isdigit():
        qs = qs.filter(school_id=school_id)
    if query:
        qs = qs.filter(Q(last_name__icontains=query) | Q(first_name__icontains=query))
    return qs.order_by("last_name", "first_name")


def active_consents():
    return Consent.objects.filter(withdrawn_at__isnull=True)


def participant_of(user):
    """The user's own Participant (with region and school), or None."""
    return Participant.objects.select_related("region", "school").filter(user=user).first()


def consent_of(participant):
    """The participant's consent in force (the latest given and not withdrawn), or None."""
    return active_consents().filter(participant=participant).first()


def with_consent_flag(participants):
    """Annotate has_consent: true while a consent that was not withdrawn is on record."""
    return participants.annotate(has_consent=Exists(active_consents().filter(participant=OuterRef("pk"))))


def user_needs_consent(user):
    """A student's data is processed only once a consent is on record (and not withdrawn)."""
    if not user.is_authenticated or user.kind != User.Kind.STUDENT:
        return False
    return not active_consents().filter(participant__user=user).exists()


def team_of(supervisor):
    return with_consent_flag(supervisor.supervised_participants.select_related("school")).order_by(
        "last_name", "first_name"
    )


def region_overview(*, region):
    return {
        "schools": region.schools.annotate(n=Count("participants")).order_by("name"),
        "total": region.participants.count(),
        "supervisors": User.objects.filter(kind=User.Kind.SUPERVISOR, region=region).count(),
    }


def organizer_overview():
    return {
        "regions": Region.objects.annotate(
            participants_count=Count("participants", distinct=True), schools_count=Count("schools", distinct=True)
        ),
        "unconfirmed": User.objects.filter(email_confirmed_at__isnull=True).count(),
        "schools_to_review": School.objects.filter(approved=False).count(),
        "students_without_consent": User.objects.filter(kind=User.Kind.STUDENT)
        .exclude(Exists(active_consents().filter(participant__user=OuterRef("pk"))))
        .count(),
    }
