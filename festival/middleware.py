from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404

from .selectors import user_needs_consent

# What a student without a recorded consent may still reach: the consent form and leaving.
_ALLOWED_WITHOUT_CONSENT = {
    "account:consent",
    "logout",
    "set_language",
    "confirm_email",
    "landing",
    "school_options",
    "password_change",
    "password_change_done",
    "health",
    "favicon",
    "judging:public",
    "verify_short",
    "certificates:verify",
    "certificates:verify_code",
}


class ConsentRequiredMiddleware:
    """No page that processes a minor's data opens before a parent's or guardian's consent is recorded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user_needs_consent(user):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            if match.view_name not in _ALLOWED_WITHOUT_CONSENT:
                return redirect("account:consent")
        return self.get_response(request)
