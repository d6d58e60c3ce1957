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


def expect(user_id):
    """This request will ask for `user_id`'s copy (festival/sessions.py): the first read from the cache brings it."""
    cached.expect(_copies, str(user_id))


def forget(user_id=None):
    """Drop one person's version, or everyone's."""
    _copies.forget(None if user_id is None else str(user_id))


# Where each model kept in a person's copy names that person.
_OWNER = {"User": "pk", "Participant": "user_id", "Consent": "participant__user_id", "RoleGrant": "user_id"}


def _owners_in_database(model, filters):
    path = _OWNER[model.__name__]
    return {user_id for user_id in model._base_manager.filter(**filters).values_list(path, flat=True) if user_id}


class UserPartQuerySet(cached.ForgettingQuerySet):
    """For accounts, participants, consents and roles: a bulk write forgets the copies of the people whose
    rows it touches (everyone's, for more than a hundred, or when it gives rows to other people)."""

    item_fields = ("user", "user_id", "participant", "participant_id")

    def forget_all(self):
        forget()

    def affected_items(self):
        path = _OWNER[self.model.__name__]
        owners = list(self.order_by().values_list(path, flat=True).distinct()[: self.MAX_ITEMS + 1])
        return [user_id for user_id in owners if user_id]

    def forget_items(self, items):
        for user_id in items:
            forget(user_id)


def _before_save(sender, instance, **kwargs):
    # A participant record, a consent or a role given to someone else: the one who had it loses it too.
    if not instance._state.adding and instance.pk is not None:
        for user_id in _owners_in_database(sender, {"pk": instance.pk}):
            forget(user_id)


def _changed(sender, instance, **kwargs):
    if sender.__name__ == "User":
        owners = {instance.pk}
    elif sender.__name__ == "Consent":
        owners = _owners_in_database(sender.participant.field.related_model, {"pk": instance.participant_id})
    else:
        owners = {instance.user_id} if instance.user_id else set()
    for user_id in owners:
        forget(user_id)


def connect():
    from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

    from .models import Consent, Participant, RoleGrant, User

    for model in (User, Participant, Consent, RoleGrant):
        post_save.connect(_changed, sender=model, dispatch_uid=f"user-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"user-cache-delete-{model.__name__}")
        if model is not User:
            pre_save.connect(_before_save, sender=model, dispatch_uid=f"user-cache-before-{model.__name__}")
    post_migrate.connect(lambda **kwargs: forget(), weak=False, dispatch_uid="user-cache-migrate")
