"""Entries for students and supervisors; the regional coordinator's review. Thin: check, validate, call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from festival.models import Edition, Region, School, User
from festival.phases import (
    PhaseClosed,
    phase_check,
    phase_closed_message,
    phase_closed_response,
    phase_message,
    phase_required,
)
from festival.views import permission_required

from . import selectors, services
from .forms import CoverForm, EntryForm, ImportForm, ReturnForm
from .imports import column_label, entries_workbook, import_error_message, participants_workbook, template_workbook
from .media import BadImage
from .media_views import private_file_response
from .messages import entry_error_message
from .models import Entry, ImportJob
from .problems import image_problem_message


def _entry_for(request, pk, perm):
    """The entry if the user holds `perm` on it; 404 otherwise, so that others' entries are not revealed."""
    entry = get_object_or_404(selectors.entries_with_team(), pk=pk)
    if not request.user.has_perm(perm, entry):
        if request.user.has_perm("submissions.view_entry", entry):
            raise PermissionDenied
        raise Http404
    return entry


def _candidates(user):
    if user.kind == User.Kind.SUPERVISOR:
        return selectors.team_with_consent(user)
    participant = getattr(user, "participant", None)
    return [participant] if participant else []


def _place(user):
    """Region and school of an entry: the student's, or the supervisor's own."""
    if user.kind == User.Kind.SUPERVISOR:
        return user.region, user.school, user.school_other
    p = user.participant
    return p.region, p.school, p.school_other


# ---------------------------------------------------------------- students and supervisors


@permission_required("submissions.create_entry")
@require_safe
def my_entries(request):
    edition = Edition.objects.current()
    return render(
        request,
        "submissions/my_entries.html",
        {
            "entries": selectors.entries_of(request.user),
            "closed_message": phase_message(edition, "submit_entry"),
            "edition": edition,
        },
    )


def _save_entry(request, form, edition, entry=None):
    # An entry belongs to the region and school it was made in, whoever edits it later.
    region, school, school_other = (
        _place(request.user) if entry is None else (entry.region, entry.school, entry.school_other)
    )
    data = form.cleaned_data
    supervisors = []
    if request.user.kind == User.Kind.SUPERVISOR:
        supervisors = [request.user]
    elif data.get("supervisor_email"):
        supervisors = [data["supervisor_email"]]
    elif entry is not None:
        supervisors = list(entry.supervisors.all())
    return services.entry_save(
        entry=entry,
        user=request.user,
        edition=edition,
        nomination=data["nomination"],
        title=data["title"],
        synopsis=data["synopsis"],
        language=data["language"],
        age_group=data.get("age_group"),
        region=region,
        school=school,
        school_other=school_other,
        authors=data["authors"],
        supervisors=supervisors,
        external_url=data.get("external_url", ""),
    )


@permission_required("submissions.create_entry")
@require_http_methods(["GET", "POST"])
@phase_required("submit_entry")
def entry_create(request):
    edition = Edition.objects.current()
    candidates = _candidates(request.user)
    if not candidates:
        messages.warning(request, _("Add the children of your team first: a film needs authors."))
        return redirect("account:team_add")
    form = EntryForm(
        request.POST or None,
        edition=edition,
        candidates=candidates,
        ask_supervisor=request.user.kind == User.Kind.STUDENT,
        region=_place(request.user)[0],
    )
    if request.method == "POST" and form.is_valid():
        entry = _save_entry(request, form, edition)
        messages.success(request, _("The entry is saved as a draft. Now upload the film."))
        return redirect("submissions:entry", entry.pk)
    return render(request, "submissions/entry_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, pk):
    entry = _entry_for(request, pk, "submissions.change_entry")
    try:
        phase_check(edition=entry.edition, action=services.entry_phase_action(entry))
    except PhaseClosed as closed:
        return phase_closed_response(request, closed)
    # Everyone already in the film stays on the form, whoever edits: a co-author's edit must not drop the team.
    candidates = {p.pk: p for p in [a.participant for a in entry.authors.all()] + list(_candidates(request.user))}
    form = EntryForm(
        request.POST or None,
        instance=entry,
        edition=entry.edition,
        candidates=candidates.values(),
        ask_supervisor=request.user.kind == User.Kind.STUDENT,
        region=entry.region,
    )
    if request.method == "POST" and form.is_valid():
        _save_entry(request, form, entry.edition, entry=entry)
        messages.success(request, _("Changes saved."))
        return redirect("submissions:entry", entry.pk)
    return render(request, "submissions/entry_form.html", {"form": form, "entry": entry})


@login_required
@require_safe
def entry_detail(request, pk):
    entry = _entry_for(request, pk, "submissions.view_entry")
    user = request.user
    may_upload = user.has_perm("submissions.upload_film", entry)
    # The author sees when films can be sent, rather than a page without the uploader.
    upload_closed = phase_message(entry.edition, services.entry_phase_action(entry)) if may_upload else ""
    return render(
        request,
        "submissions/entry_detail.html",
        {
            "entry": entry,
            "film": entry.film,
            "latest_film": entry.latest_film,
            "can_upload": may_upload and not upload_closed,
            "upload_closed": upload_closed,
            "can_edit": user.has_perm("submissions.change_entry", entry),
            "cover_form": CoverForm(),
            "can_submit": user.has_perm("submissions.submit_entry", entry),
            "uploader_text": {
                "sending": _("Sending… You can keep the page open and wait; if the connection drops, it continues."),
                "retrying": _("The connection dropped. Trying again…"),
                "paused": _("Paused. Press «Continue» to go on."),
                "failed": _("The upload stopped. Press «Continue» to try again."),
                "done": _("Uploaded. The server is checking the film."),
                "chooseAgain": _("An upload of this film was interrupted. Choose the same file again to continue it."),
            },
            "can_withdraw": user.has_perm("submissions.withdraw_entry", entry)
            and entry.state
            not in (
                Entry.State.WITHDRAWN,
                Entry.State.REPUBLICAN_PARTICIPANT,
                Entry.State.AWARDED,
                Entry.State.NOT_AWARDED,
            ),
        },
    )


@login_required
@require_safe
def film_status(request, pk):
    """The film's check status, polled by the entry page (htmx) until the worker is done."""
    entry = _entry_for(request, pk, "submissions.view_entry")
    return render(
        request,
        "submissions/partials/film_status.html",
        {"entry": entry, "film": entry.film, "latest_film": entry.latest_film},
    )


def _act(request, entry, operation, success):
    try:
        operation()
    except services.EntryError as error:
        messages.error(request, entry_error_message(error))
    except PhaseClosed as closed:
        messages.error(request, phase_closed_message(closed))
    else:
        messages.success(request, success)


@login_required
@require_POST
def entry_submit(request, pk):
    entry = _entry_for(request, pk, "submissions.submit_entry")
    _act(
        request,
        entry,
        lambda: services.entry_submit(entry=entry, user=request.user),
        _("The film is sent to the regional coordinator."),
    )
    return redirect("submissions:entry", entry.pk)


@login_required
@require_POST
def entry_withdraw(request, pk):
    entry = _entry_for(request, pk, "submissions.withdraw_entry")
    _act(request, entry, lambda: services.entry_withdraw(entry=entry, user=request.user), _("The entry is withdrawn."))
    return redirect("submissions:entry", entry.pk)


@login_required
@require_POST
def entry_cover(request, pk):
    entry = _entry_for(request, pk, "submissions.change_entry")
    form = CoverForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.entry_set_cover(entry=entry, uploaded=form.cleaned_data["picture"])
        except BadImage as error:
            messages.error(request, image_problem_message(error.code))
        else:
            messages.success(request, _("The poster picture is saved."))
    else:
        for error in form.errors.get("picture", []):
            messages.error(request, error)
    return redirect("submissions:entry", entry.pk)


@login_required
@require_safe
def film_file(request, pk, kind):
    entry = _entry_for(request, pk, "submissions.view_film")
    if kind in ("cover", "cover_thumbnail"):
        return private_file_response(request, getattr(entry, kind))
    film = entry.film
    if film is None:
        raise Http404
    return private_file_response(request, {"original": film.file, "preview": film.preview, "poster": film.poster}[kind])


# ---------------------------------------------------------------- the regional coordinator


def _region_for(request, code):
    region = get_object_or_404(Region, code=code)
    if not request.user.has_perm("festival.view_region_workspace", region):
        raise PermissionDenied
    return region


@login_required
@require_http_methods(["GET", "POST"])
def region_entries(request, code):
    region = _region_for(request, code)
    edition = Edition.objects.current()
    if request.method == "POST":
        chosen = [value for value in request.POST.getlist("entry") if value.isdigit()]
        accepted = 0
        # Each acceptance checks the phase: the edition's phases read once for all.
        entries = Entry.objects.filter(edition=edition, region=region, pk__in=chosen)
        for entry in entries.select_related("edition").prefetch_related("edition__phases"):
            try:
                services.entry_accept(entry=entry, by=request.user)
                accepted += 1
            except (services.EntryError, PhaseClosed) as error:
                messages.error(
                    request,
                    f"«{entry.title}»: "
                    + (
                        entry_error_message(error)
                        if isinstance(error, services.EntryError)
                        else phase_closed_message(error)
                    ),
                )
        if accepted:
            messages.success(request, _("Accepted: %(count)s.") % {"count": accepted})
        return redirect(request.get_full_path())
    filters = selectors.EntryFilters.from_query(request.GET)
    entries = selectors.region_entries(edition=edition, region=region, filters=filters)
    counts = selectors.region_entry_counts(edition=edition, region=region)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    # The filters, kept in the links to the other pages.
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "submissions/region_entries.html",
        {
            "region": region,
            "edition": edition,
            "filters": filters,
            "page": page,
            "schools": School.objects.filter(region=region).order_by("name").values_list("pk", "name"),
            "filter_query": query.urlencode(),
            **counts,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def region_entry(request, code, pk):
    region = _region_for(request, code)
    entry = get_object_or_404(selectors.entries_with_team(), pk=pk, region=region)
    return_form = ReturnForm(request.POST if request.POST.get("action") == "return" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "accept":
            _act(request, entry, lambda: services.entry_accept(entry=entry, by=request.user), _("Accepted."))
        elif action == "return" and return_form.is_valid():
            _act(
                request,
                entry,
                lambda: services.entry_return(entry=entry, by=request.user, reason=return_form.cleaned_data["reason"]),
                _("Returned to the authors."),
            )
        elif action in ("finalist", "not_finalist"):
            _act(
                request,
                entry,
                lambda: services.entry_set_finalist(entry=entry, by=request.user, finalist=action == "finalist"),
                _("Chosen as a regional finalist.") if action == "finalist" else _("No longer a finalist."),
            )
        if action != "return" or return_form.is_valid():
            return redirect("submissions:region_entry", region.code, entry.pk)
    return render(
        request,
        "submissions/region_entry.html",
        {
            "region": region,
            "entry": entry,
            "film": entry.film,
            "latest_film": entry.latest_film,
            "return_form": return_form,
            "quota": services.finalist_quota(edition=entry.edition, region=region, nomination=entry.nomination),
            "signed_off": selectors.region_signed_off(edition=entry.edition, region=region),
        },
    )


@login_required
@require_POST
def region_signoff(request, code):
    region = _region_for(request, code)
    edition = Edition.objects.current()
    _act(
        request,
        None,
        lambda: services.region_signoff(edition=edition, region=region, by=request.user),
        _("The list of finalists is signed off. The finalists are in the republican stage."),
    )
    return redirect("submissions:region_entries", region.code)


# ---------------------------------------------------------------- offline regional stages: .xlsx in and out

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(book, filename):
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    book.save(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def region_import(request, code):
    region = _region_for(request, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.participants_import_start(region=region, user=request.user, uploaded=form.cleaned_data["file"])
        return redirect("submissions:region_import_job", region.code, job.pk)
    jobs = ImportJob.objects.filter(region=region)[:10]
    return render(request, "submissions/region_import.html", {"region": region, "form": form, "jobs": jobs})


@login_required
@require_safe
def region_import_job(request, code, pk):
    region = _region_for(request, code)
    job = get_object_or_404(ImportJob, pk=pk, region=region)
    errors = [
        {**error, "column_label": column_label(error["column"]), "message": import_error_message(error)}
        for error in job.errors
    ]
    template = (
        "submissions/partials/import_job.html"
        if request.headers.get("HX-Request")
        else "submissions/region_import_job.html"
    )
    return render(request, template, {"region": region, "job": job, "errors": errors})


@login_required
@require_safe
def region_import_template(request, code):
    _region_for(request, code)
    return _xlsx_response(template_workbook(), "participants-template.xlsx")


@login_required
@require_safe
def region_export_participants(request, code):
    region = _region_for(request, code)
    return _xlsx_response(participants_workbook(region=region), f"participants-{region.code}.xlsx")


@login_required
@require_safe
def region_export_entries(request, code):
    region = _region_for(request, code)
    return _xlsx_response(
        entries_workbook(edition=Edition.objects.current(), region=region), f"films-{region.code}.xlsx"
    )
