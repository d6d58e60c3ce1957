"""Every answer on the tus endpoint says which version of the protocol it speaks, also the ones the framework
makes before or instead of the endpoint's views: the CSRF refusal, a consent redirect, a locked-out account, a
server error. tus clients read a response without Tus-Resumable as coming from something else than the server
(a proxy, a captive portal) and may give up instead of retrying."""

from django.urls import reverse

from .tus import TUS_VERSION


class TusResumableMiddleware:
    """First in MIDDLEWARE, so that it sees the answers of every middleware after it and the error pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Tus-Resumable" not in response and request.path_info.startswith(reverse("tus:collection")):
            response["Tus-Resumable"] = TUS_VERSION
        return response
