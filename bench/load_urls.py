"""The portal's URLs and three floors to compare its pages with: the cheapest answer the same stack can give
(the framework's floor), the cheapest page of the portal itself — a signed-in person's empty page in the
site's layout (session, user, consent check, menu, language switcher) — and the cheapest write a signed-in
form can make: a juror's assignment locked, one audit record written, the transaction committed, a redirect
(what every save does before its own work)."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from festival.urls import urlpatterns as portal_urlpatterns
from judging.models import Assignment, AuditEvent


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def signed_in_floor(request):
    return render(request, "bench/signed_in_floor.html")


@require_POST
@login_required
def write_floor(request, pk):
    with transaction.atomic():
        assignment = get_object_or_404(Assignment.objects.select_for_update(), pk=pk, juror=request.user)
        AuditEvent.objects.create(actor=request.user, action="bench_write", subject=f"assignment {assignment.pk}")
    return redirect(request.path)


urlpatterns = [
    *portal_urlpatterns,
    path("bench-floor/", floor),
    path("bench-floor/signed-in/", signed_in_floor),
    path("bench-floor/write/<int:pk>/", write_floor),
]
