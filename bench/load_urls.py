"""The portal's URLs and two floors to compare its pages with: the cheapest answer the same stack can give
(the framework's floor), and the cheapest page of the portal itself — a signed-in person's empty page in the
site's layout (session, user, consent check, menu, language switcher)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from festival.urls import urlpatterns as portal_urlpatterns


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def signed_in_floor(request):
    return render(request, "bench/signed_in_floor.html")


urlpatterns = [
    *portal_urlpatterns,
    path("bench-floor/", floor),
    path("bench-floor/signed-in/", signed_in_floor),
]
