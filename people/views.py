"""The organizers' pages for people: who holds which role, invitations; and the invitee's page."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from festival.views import permission_required


@permission_required("people.manage_people")
@require_safe
def people_list(request):
    return render(request, "people/list.html", {})


@permission_required("people.manage_people")
@require_http_methods(["GET", "POST"])
def invite(request):
    return render(request, "people/invite.html", {})


@require_http_methods(["GET", "POST"])
def accept(request, token):
    return HttpResponse(status=400)
