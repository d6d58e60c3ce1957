"""The tus endpoint: the collection creates uploads, each upload is a resource the client appends to."""

from django.urls import path

from . import tus

app_name = "tus"
urlpatterns = [
    path("", tus.collection, name="collection"),
    path("<uuid:upload_id>/", tus.resource, name="resource"),
]
