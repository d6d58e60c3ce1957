"""Authentication backends."""

from django.contrib.auth import backends


class ModelBackend(backends.ModelBackend):
    """Django's: the password check, and model permissions from groups and users — which only staff use, in
    the admin. Everyone else's permissions are the rules of each app (rules.py); asking the database for
    model permissions they cannot have cost two queries on every page whose menu a rule hides."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_staff:
            return set()
        return super().get_all_permissions(user_obj, obj)
