"""The organizers' own pages for running an edition: its calendar, nominations, age groups, finalist quotas, the
readiness checklist, and a new edition. Each view: permission, form, service, a message, a redirect.

Every page works on the current edition (Edition.objects.current()); the new-edition page makes one."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from festival.models import Edition, Nomination, Phase
from festival.services import schools_approve
from festival.views import permission_required

from . import selectors, services
from .forms import (
    AgeGroupFormSet,
    EditionNewForm,
    NominationForm,
    PhasesForm,
    QuotaForm,
    SchoolApprovalForm,
    proposed_phases,
)

RUN = "organizing.run_edition"


def _current(request):
    """The current edition, or None with a message (the caller sends the organizer to the edition page)."""
    edition = Edition.objects.current()
    if edition is None:
        messages.warning(request, _("There is no current edition yet. Open one first."))
    return edition


def _refused(request):
    messages.error(request, _("Nothing was saved: correct the fields marked below."))


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def edition_new(request):
    current = Edition.objects.current()
    year = max(timezone.localdate().year, (current.year + 1) if current else 0)
    if request.method == "POST":
        form = EditionNewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                edition = services.edition_open(
                    year=data["year"],
                    title_kk=data["title_kk"],
                    title_ru=data["title_ru"],
                    title_en=data["title_en"],
                    starts={kind: data[kind] for kind in Phase.ORDER},
                    ends_at=data["ends_at"],
                    make_current=data["make_current"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The edition of %(year)s is open, with the nominations, age groups and criteria of the rules.")
                    % {"year": edition.year},
                )
                return redirect("organizing:edition" if edition.is_current else "organizer_dashboard")
        _refused(request)
    else:
        form = EditionNewForm(
            initial={
                "year": year,
                "title_kk": "Әлемдегі шекарасыз Қазақстан балалары!",
                "title_ru": "Дети Казахстана в мире без границ!",
                "title_en": "Children of Kazakhstan in a World without Borders!",
                "make_current": current is None,
                **proposed_phases(year),
            }
        )
    return render(request, "organizing/edition_new.html", {"form": form, "current": current})


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def edition(request):
    edition = Edition.objects.current()
    others = Edition.objects.exclude(pk=getattr(edition, "pk", None))
    if edition is None:
        return render(request, "organizing/edition.html", {"edition": None, "others": others})
    phases = selectors.edition_phases(edition)
    if request.method == "POST":
        form = PhasesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.edition_phases_set(
                    edition=edition,
                    starts={kind: data[kind] for kind in Phase.ORDER},
                    ends_at=data["ends_at"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The phases' dates are saved."))
                return redirect("organizing:edition")
        _refused(request)
    else:
        form = PhasesForm(initial=PhasesForm.initial_from(phases))
    now = timezone.now()
    upcoming, items = selectors.readiness(edition, now)
    rows = selectors.phase_rows(edition, now)
    context = {
        "edition": edition,
        "form": form,
        "rows": [(row, form[row.kind]) for row in rows],
        "now": now,
        "upcoming": upcoming,
        "open_items": len(items),
        "blocking_items": sum(item.blocking for item in items),
        "demo_mode": settings.DEMO_MODE,
        "kinds": Phase.Kind.choices,
        "others": others,
    }
    return render(request, "organizing/edition.html", context)


@permission_required(RUN)
@require_POST
def edition_make_current(request, pk):
    """Move the public site and every workspace to another edition (next year's, prepared in advance)."""
    edition = get_object_or_404(Edition, pk=pk)
    services.edition_make_current(edition=edition, by=request.user)
    messages.success(
        request,
        _("The edition of %(year)s is now the current one: the site and every workspace show it.")
        % {"year": edition.year},
    )
    return redirect("organizing:edition")


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def nominations(request):
    edition = _current(request)
    if edition is None:
        return redirect("organizing:edition")
    form = NominationForm(request.POST or None, instance=Nomination(edition=edition), prefix="new")
    if request.method == "POST":
        if form.is_valid():
            nomination = services.nomination_save(nomination=form.instance, by=request.user)
            messages.success(request, _("The nomination «%(name)s» is added.") % {"name": nomination})
            return redirect("organizing:nominations")
        _refused(request)
    context = {"edition": edition, "nominations": Nomination.objects.filter(edition=edition), "form": form}
    return render(request, "organizing/nominations.html", context)


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def nomination(request, pk):
    edition = _current(request)
    if edition is None:
        return redirect("organizing:edition")
    nomination = get_object_or_404(Nomination, pk=pk, edition=edition)
    form = NominationForm(request.POST or None, instance=nomination)
    if request.method == "POST":
        if form.is_valid():
            services.nomination_save(nomination=form.instance, by=request.user)
            messages.success(request, _("The nomination «%(name)s» is saved.") % {"name": nomination})
            return redirect("organizing:nominations")
        _refused(request)
    return render(request, "organizing/nomination.html", {"edition": edition, "nomination": nomination, "form": form})


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def age_groups(request):
    edition = _current(request)
    if edition is None:
        return redirect("organizing:edition")
    queryset = edition.age_groups.all()
    formset = AgeGroupFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST":
        if formset.is_valid():
            keep = [form.save(commit=False) for form in formset.kept_forms()]
            try:
                services.age_groups_set(edition=edition, keep=keep, remove=formset.removed(), by=request.user)
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                messages.success(request, _("The age groups are saved."))
                return redirect("organizing:age_groups")
        _refused(request)
    return render(request, "organizing/age_groups.html", {"edition": edition, "formset": formset})


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def quotas(request):
    edition = _current(request)
    if edition is None:
        return redirect("organizing:edition")
    nominations, rows = selectors.quota_table(edition)
    form = QuotaForm(request.POST or None, nominations=nominations, rows=rows)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.quotas_set(edition=edition, values=form.values(), by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The quotas are saved. Changed: %(count)s.") % {"count": changed})
                return redirect("organizing:quotas")
        _refused(request)
    return render(request, "organizing/quotas.html", {"edition": edition, "form": form, "nominations": nominations})


@permission_required(RUN)
@require_http_methods(["GET"])
def readiness(request):
    edition = _current(request)
    if edition is None:
        return redirect("organizing:edition")
    upcoming, items = selectors.readiness(edition)
    context = {"edition": edition, "upcoming": upcoming, "items": items}
    return render(request, "organizing/readiness.html", context)


@permission_required(RUN)
@require_http_methods(["GET", "POST"])
def schools(request):
    """Schools typed into coordinators' imported lists: shown in the public school picker once approved here."""
    form = SchoolApprovalForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        count = schools_approve(schools=form.cleaned_data["schools"])
        message = _("Schools approved: %(count)s. They are offered in the registration forms now.")
        messages.success(request, message % {"count": count})
        return redirect("organizing:schools")
    return render(request, "organizing/schools.html", {"form": form, "schools": selectors.schools_to_review()})


def demo_phase(request):
    """Demo mode only (404 otherwise, to everyone): open a phase now by moving the whole calendar."""
    if not settings.DEMO_MODE:
        raise Http404
    return _demo_phase(request)


@permission_required(RUN)
@require_POST
def _demo_phase(request):
    edition = Edition.objects.current()
    if edition is None:
        raise Http404
    kind = request.POST.get("kind", "")
    if kind == "next":
        upcoming = selectors.phase_next(selectors.edition_phases(edition))
        if upcoming is None:
            messages.error(request, _("There is no phase after the open one."))
            return redirect("organizing:edition")
        kind = upcoming.kind
    if kind not in Phase.ORDER:
        raise Http404
    try:
        services.phase_open_now(edition=edition, kind=kind, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Demo mode: «%(phase)s» is open now; every date moved with it.") % {"phase": Phase.Kind(kind).label},
        )
    return redirect("organizing:edition")
