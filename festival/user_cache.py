"""The signed-in person, kept in the cache between requests with their roles and whether a consent is missing.

Every page a signed-in person opens needs their account (Django's authentication reads it by the id in the
session), for a student whether a parent's consent is on record (festival/middleware.py), for staff their
roles (festival/rules.py): two or three queries on every page, for rows that change a few times in a year.
Kept here, they are two cache reads. Every change to the account, to the student's participant record, to a
consent or to a role names a new version of that person's copy (festival/cached.py), and a bulk change (an
import, a queryset update) of all copies. A deactivated
account or a changed password therefore takes effect on the next request, as without the cache: Django still
checks the session against the password on every request.
"""

from . import cached

TIMEOUT = 300
_copies = cached.Versioned("user", TIMEOUT)


def signed_in_user(user_id, read):
    """The account `read()` gives for `user_id` (or None), with `consent_needed` and its roles set."""
    from .rules import read_grants
    from .selectors import user_needs_consent

    def read_with_consent_and_roles():
        user = read()
        if user is not None:
            user.consent_needed = user_needs_consent(user)
            read_grants(user)
        return user

    user, _version = _copies.get(read_with_consent_and_roles, item=str(user_id))
    return user


def forget(user_id=None):
    """A new version of one person's copy, or of everyone's."""
    _copies.forget(None if user_id is None else str(user_id))


class UserPartQuerySet(cached.ForgettingQuerySet):
    """For accounts, participants, consents and roles: a bulk write forgets every person's copy."""

    def forget_all(self):
        forget()


def _user_changed(sender, instance, **kwargs):
    forget(instance.pk)


def _role_changed(sender, instance, **kwargs):
    forget(instance.user_id)


def _participant_changed(sender, instance, **kwargs):
    if instance.user_id is not None:
        forget(instance.user_id)
    previous = getattr(instance, "_user_id_from_db", None)
    if previous is not None and previous != instance.user_id:
        forget(previous)


def _consent_changed(sender, instance, **kwargs):
    from .models import Participant

    user_id = Participant.objects.filter(pk=instance.participant_id).values_list("user_id", flat=True).first()
    if user_id is not None:
        forget(user_id)


def connect():
    from django.db.models.signals import post_delete, post_migrate, post_save

    from .models import Consent, Participant, RoleGrant, User

    for model, changed in (
        (User, _user_changed),
        (Participant, _participant_changed),
        (Consent, _consent_changed),
        (RoleGrant, _role_changed),
    ):
        post_save.connect(changed, sender=model, dispatch_uid=f"user-cache-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"user-cache-delete-{model.__name__}")
    post_migrate.connect(lambda **kwargs: forget(), weak=False, dispatch_uid="user-cache-migrate")
