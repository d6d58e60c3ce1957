"""The portal's URLs and the floor: the cheapest page the same stack can serve, for comparison."""

from django.http import HttpResponse
from django.urls import path

from festival.urls import urlpatterns as portal_urlpatterns


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [*portal_urlpatterns, path("bench-floor/", floor)]
