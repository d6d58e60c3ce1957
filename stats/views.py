"""The statistics page and its .xlsx: the whole edition for organizers, one region for its coordinator."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from festival.models import Edition, Region
from festival.views import permission_required

from . import selectors
from .exports import figures_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region_for(request, code):
    region = get_object_or_404(Region, code=code)
    if not request.user.has_perm("statistics.view_region", region):
        raise PermissionDenied
    return region


def _page(request, region=None):
    edition = Edition.objects.current()
    figures = selectors.edition_figures(edition=edition, region=region) if edition else None
    context = {
        "edition": edition,
        "region": region,
        "figures": figures,
        "chart_data": figures.chart_data() if figures else {"tables": []},
    }
    return render(request, "statistics/edition.html", context)


def _export(region=None):
    edition = Edition.objects.current()
    if edition is None:
        raise Http404
    figures = selectors.edition_figures(edition=edition, region=region)
    name = f"statistics-{edition.year}-{region.code}.xlsx" if region else f"statistics-{edition.year}.xlsx"
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    figures_workbook(figures).save(response)
    return response


@permission_required("statistics.view_edition")
@require_safe
def edition(request):
    return _page(request)


@permission_required("statistics.view_edition")
@require_safe
def export(request):
    return _export()


@login_required
@require_safe
def region(request, code):
    return _page(request, _region_for(request, code))


@login_required
@require_safe
def region_export(request, code):
    return _export(_region_for(request, code))
