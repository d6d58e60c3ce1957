"""The juror's pages: panels with progress, blind scoring with "save and next", recusal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from festival.views import permission_required
from submissions.media_views import private_file_response

from . import selectors, services
from .forms import RecuseForm, ScoreForm
from .models import Assignment, Panel, Score


def _error_message(error):
    return {
        "not_yours": _("This film is not on your list."),
        "closed": _("Scores of this panel can no longer change."),
        "out_of_scale": _("«%(name)s» is scored from 0 to %(maximum)s.") % error.params if error.params else "",
        "incomplete": _("Score every criterion before submitting; to keep what you have, save a draft."),
        "stale": _("These scores were changed in another tab. Your values are kept below: check them and save again."),
        "unknown_criterion": _("This criterion is not used for this film."),
    }.get(error.code, _("This is not possible now."))


@permission_required("judging.use_jury")
@require_GET
def home(request):
    panels = Panel.objects.filter(members__juror=request.user, members__active=True).select_related("edition")
    rows = [(panel, *services.juror_progress(panel=panel, juror=request.user)) for panel in panels]
    return render(request, "judging/home.html", {"rows": rows})


@login_required
@require_GET
def panel(request, pk):
    panel = get_object_or_404(Panel, pk=pk)
    if not request.user.has_perm("judging.see_panel", panel):
        raise PermissionDenied
    assignments = (
        Assignment.objects.filter(panel=panel, juror=request.user, active=True)
        .select_related("entry__nomination", "score")
        .order_by("pk")
    )
    done, total = services.juror_progress(panel=panel, juror=request.user)
    return render(
        request,
        "judging/panel.html",
        {
            "panel": panel,
            "assignments": assignments,
            "done": done,
            "total": total,
            "next": services.next_unscored(panel=panel, juror=request.user),
            "can_see_results": request.user.has_perm("judging.see_results", panel),
        },
    )


def _assignment_for(request, pk):
    """The juror's own active assignment; anybody else's is not found."""
    assignment = get_object_or_404(Assignment.objects.select_related("panel__edition", "entry__nomination"), pk=pk)
    if not request.user.has_perm("judging.score", assignment):
        raise Http404
    return assignment


@login_required
@require_http_methods(["GET", "POST"])
def score(request, pk):
    assignment = _assignment_for(request, pk)
    entry, panel = assignment.entry, assignment.panel
    criteria = services.criteria_for(edition=panel.edition, nomination=entry.nomination)
    saved = Score.objects.filter(assignment=assignment).prefetch_related("items").first()
    initial = {"version": saved.version if saved else 0, "note": saved.note if saved else ""}
    if saved:
        for item in saved.items.all():
            initial[f"c{item.criterion_id}"] = item.value
            initial[f"n{item.criterion_id}"] = item.note
    form = ScoreForm(request.POST or None, initial=initial, criteria=criteria)
    editable = services.assignment_editable(assignment)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "draft")
        try:
            services.score_save(
                assignment=assignment,
                values=form.values(),
                notes=form.notes(),
                note=form.cleaned_data["note"],
                submit=action in ("submit", "next"),
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except services.JudgingError as error:
            messages.error(request, _error_message(error))
        else:
            if action == "next":
                following = services.next_unscored(panel=panel, juror=request.user, after=assignment)
                if following is None:
                    messages.success(request, _("All films of the panel are scored. Thank you!"))
                    return redirect("judging:panel", panel.pk)
                return redirect("judging:score", following.pk)
            messages.success(request, _("Submitted.") if action == "submit" else _("Draft saved."))
            return redirect("judging:score", assignment.pk)
    done, total = services.juror_progress(panel=panel, juror=request.user)
    film = entry.film
    return render(
        request,
        "judging/score.html",
        {
            "assignment": assignment,
            "entry": entry,
            "panel": panel,
            "form": form,
            "saved": saved,
            "editable": editable,
            "done": done,
            "total": total,
            "has_preview": bool(film and film.preview),
            "recuse_form": RecuseForm(),
        },
    )


@login_required
@require_GET
def results(request, pk):
    panel = get_object_or_404(Panel.objects.select_related("edition", "chair", "region"), pk=pk)
    if not request.user.has_perm("judging.see_results", panel):
        raise PermissionDenied
    return render(request, "judging/results.html", {"panel": panel, "rankings": selectors.panel_results(panel)})


@login_required
@require_GET
def preview(request, pk):
    """The light preview of the film, for the jury only; the original and everything about the authors stay
    out of reach."""
    assignment = _assignment_for(request, pk)
    film = assignment.entry.film
    if film is None or not film.preview:
        raise Http404
    return private_file_response(request, film.preview)


@login_required
@require_POST
def recuse(request, pk):
    assignment = _assignment_for(request, pk)
    form = RecuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why you cannot judge this film fairly."))
        return redirect("judging:score", assignment.pk)
    services.recuse(assignment=assignment, reason=form.cleaned_data["reason"], by=request.user)
    messages.success(request, _("The film is taken off your list; the organizer will decide."))
    return redirect("judging:panel", assignment.panel_id)
