"""The juror's pages: panels with progress, blind scoring with "save and next", recusal; the organizers' set-up
of the jury (panels, members, criteria, assignments) and their decisions."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from festival.models import Edition, Region
from festival.phases import PhaseClosed, phase_closed_message
from festival.views import permission_required
from submissions import services as entry_services
from submissions.media_views import private_file_response
from submissions.messages import entry_error_message
from submissions.models import Entry

from . import selectors, services
from .forms import CriterionFormSet, MemberAddForm, PanelForm, RecuseForm, ScoreForm
from .models import Assignment, Award, Conflict, Criterion, Panel, PanelMember, ResultsLock, Score, Showcase
from .protocol import PROTOCOL_LANGUAGES, panel_protocol_pdf


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
@require_safe
def home(request):
    rows = [(panel, panel.submitted, panel.assigned) for panel in selectors.juror_panels(request.user)]
    return render(request, "judging/home.html", {"rows": rows})


@login_required
@require_safe
def panel(request, pk):
    panel = get_object_or_404(Panel, pk=pk)
    if not request.user.has_perm("judging.see_panel", panel):
        raise PermissionDenied
    # The progress and the next film to score come from the list itself.
    assignments = list(selectors.panel_films(panel=panel, juror=request.user))
    pending = [assignment for assignment in assignments if assignment.score_status != Score.Status.SUBMITTED]
    return render(
        request,
        "judging/panel.html",
        {
            "panel": panel,
            "assignments": assignments,
            "done": len(assignments) - len(pending),
            "total": len(assignments),
            "next": pending[0] if pending else None,
            "can_see_results": request.user.has_perm("judging.see_results", panel),
        },
    )


def _assignment_for(request, pk, *, for_update=False, page=False):
    """The juror's own active assignment; anybody else's is not found. `for_update`: locked for a save.
    `page`: with what its scoring page shows (selectors.assignment_for_page)."""
    try:
        if for_update:
            assignment = services.assignment_for_update(pk, juror=request.user)
        elif page:
            assignment = selectors.assignment_for_page(pk, juror=request.user)
        else:
            assignment = Assignment.objects.select_related("panel", "entry").get(pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None
    if not request.user.has_perm("judging.score", assignment):
        raise Http404
    return assignment


def _criteria(assignment):
    return selectors.criteria_for(edition=assignment.panel.edition_id, nomination=assignment.entry.nomination_id)


def _save_score(request, assignment, form):
    """A valid form saved (in the caller's transaction, the assignment locked): where to go next, or None
    with the refusal's message when the save was refused (and the transaction marked to be rolled back)."""
    panel = assignment.panel
    action = request.POST.get("action", "draft")
    try:
        services.score_save_locked(
            assignment=assignment,
            values=form.values(),
            notes=form.notes(),
            note=form.cleaned_data["note"],
            submit=action in ("submit", "next"),
            version=form.cleaned_data["version"],
            by=request.user,
        )
    except services.JudgingError as error:
        transaction.set_rollback(True)
        messages.error(request, _error_message(error))
        return None
    except PhaseClosed as closed:
        transaction.set_rollback(True)
        messages.error(request, phase_closed_message(closed))
        return None
    if action == "next":
        following = selectors.next_unscored(panel=panel, juror=request.user, after=assignment)
        if following is None:
            messages.success(request, _("All films of the panel are scored. Thank you!"))
            return redirect("judging:panel", panel.pk)
        return redirect("judging:score", following.pk)
    messages.success(request, _("Submitted.") if action == "submit" else _("Draft saved."))
    return redirect("judging:score", assignment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def score(request, pk):
    if request.method == "POST":
        # The save's lock is taken by the first read of the assignment: one read, not one here and one there.
        with transaction.atomic():
            assignment = _assignment_for(request, pk, for_update=True)
            form = ScoreForm(request.POST, criteria=_criteria(assignment))
            following = _save_score(request, assignment, form) if form.is_valid() else None
        if following is not None:
            return following
        # Refused or not valid: the page again, with what was sent and the stored score beside it.
        status, _initial = selectors.score_initial(assignment)
        assignment = _assignment_for(request, pk, page=True)
    else:
        assignment = _assignment_for(request, pk, page=True)
        status, initial = selectors.score_initial(assignment)
        form = ScoreForm(initial=initial, criteria=_criteria(assignment))
    entry, panel = assignment.entry, assignment.panel
    film = entry.film
    editable = services.assignment_editable(assignment)
    # Outside the panel's scoring phases the page shows the scores read-only, with the dates they open.
    phase_note = services.scoring_phase_message(panel) if editable else ""
    return render(
        request,
        "judging/score.html",
        {
            "assignment": assignment,
            "entry": entry,
            "panel": panel,
            "form": form,
            "submitted": status == Score.Status.SUBMITTED,
            "editable": editable and not phase_note,
            "phase_note": phase_note,
            "done": assignment.submitted,
            "total": assignment.assigned,
            "has_preview": bool(film and film.preview),
            "recuse_form": RecuseForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def results(request, pk):
    panel = get_object_or_404(Panel.objects.select_related("edition", "chair", "region"), pk=pk)
    if not request.user.has_perm("judging.see_results", panel):
        raise PermissionDenied
    can_pick = panel.region_id is not None and request.user.has_perm("festival.view_region_workspace", panel.region)
    if request.method == "POST":
        # At the regional stage the ranking feeds the coordinator's choice: a finalist picked here goes through
        # the same service (phase, quota, sign-off) as on the film's page.
        if not can_pick:
            raise PermissionDenied
        entry = get_object_or_404(Entry, pk=request.POST.get("entry"), region=panel.region, edition=panel.edition)
        try:
            entry_services.entry_set_finalist(entry=entry, by=request.user, finalist=True)
        except entry_services.EntryError as error:
            messages.error(request, entry_error_message(error))
        except PhaseClosed as closed:
            messages.error(request, phase_closed_message(closed))
        else:
            messages.success(request, _("Chosen as a regional finalist."))
        return redirect("judging:results", panel.pk)
    [(_panel, rankings)] = selectors.panels_results([panel])
    [(_panel, progress)] = selectors.panels_progress([panel])
    return render(
        request,
        "judging/results.html",
        {"panel": panel, "rankings": rankings, "progress": progress, "can_pick": can_pick},
    )


@login_required
@require_safe
def protocol(request, pk):
    """The jury protocol of the panel as a PDF, in Kazakh or Russian."""
    panel = get_object_or_404(Panel.objects.select_related("edition", "chair", "region"), pk=pk)
    if not request.user.has_perm("judging.see_results", panel):
        raise PermissionDenied
    current = (get_language() or "")[:2]
    language = request.GET.get("language", current if current in PROTOCOL_LANGUAGES else "ru")
    if language not in PROTOCOL_LANGUAGES:
        return HttpResponseBadRequest()
    response = HttpResponse(panel_protocol_pdf(panel, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="jury-protocol-{panel.edition.year}-{panel.pk}-{language}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
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


@login_required
@require_safe
def region_panels(request, code):
    """The regional panels of a region, for its coordinator: their rankings inform the choice of finalists."""
    region = get_object_or_404(Region, code=code)
    if not request.user.has_perm("festival.view_region_workspace", region):
        raise PermissionDenied
    edition = Edition.objects.current()
    panels = Panel.objects.filter(edition=edition, stage=Panel.Stage.REGIONAL, region=region)
    return render(
        request,
        "judging/region_panels.html",
        {"region": region, "rows": selectors.panels_progress(panels)},
    )


# ---------------------------------------------------------------- organizers: progress, decisions, the lock


def _setup_message(error):
    messages_by_code = {
        "no_phase": _("The edition has no phase «%(phase)s»: set its dates first."),
        "chair_not_member": _("The chair must be one of the panel's members."),
        "no_members": _("The panel has no members yet: add jurors first, then build the assignments."),
        "no_nominations": _(
            "The panel judges no nomination: choose its nominations first, then build the assignments."
        ),
        "no_criteria": _(
            "There are no criteria to score by: create the criteria of the edition first, then build the assignments."
        ),
        "no_entries": _("The panel has no films to judge yet: nothing to assign."),
        "criterion_scored": _(
            "«%(name)s» is already used in scores: it cannot be deleted or moved to another nomination."
        ),
        "weight": _("The weight must be above zero."),
        "criteria_frozen": _(
            "Scoring has begun in «%(nomination)s»: the criteria that apply to it can no longer be added, removed, "
            "moved or rescaled, or submitted score sheets would stop counting. Names, weights and order can "
            "still change."
        ),
    }
    message = messages_by_code.get(error.code)
    if message is None:
        return _("This is not possible now.")
    return message % error.params if error.params else message


@permission_required("judging.manage_panels")
@require_http_methods(["GET", "POST"])
def organizer_panels(request):
    """The organizers' jury set-up: panels made in one click, each with its progress and what it still lacks."""
    edition = Edition.objects.current()
    if request.method == "POST":
        if edition is None:
            raise Http404
        action = request.POST.get("action", "remind")
        try:
            if action == "regional":
                created = services.panels_regional_create(edition=edition, by=request.user)
                messages.success(request, _("Regional panels created: %(count)s.") % {"count": len(created)})
            elif action == "republican":
                created = services.panels_republican_create(edition=edition, by=request.user)
                messages.success(request, _("Republican panels created: %(count)s.") % {"count": len(created)})
            else:
                panel = get_object_or_404(Panel, pk=request.POST.get("panel"), edition=edition)
                count = services.reminders_send(panel=panel, by=request.user)
                messages.success(request, _("Reminders sent: %(count)s.") % {"count": count})
        except services.JudgingError as error:
            messages.error(request, _setup_message(error))
        return redirect("judging:organizer_panels")
    rows = []
    if edition is not None:
        panels = (
            Panel.objects.filter(edition=edition)
            .select_related("chair", "region")
            .prefetch_related("nominations")
            .annotate(assignment_count=Count("assignments", filter=Q(assignments__active=True), distinct=True))
            .order_by("stage", "region__order", "name_ru")
        )
        criteria = list(Criterion.objects.filter(edition=edition))
        for panel, progress in selectors.panels_progress(panels):
            nominations = list(panel.nominations.all())
            rows.append(
                {
                    "panel": panel,
                    "progress": progress,
                    "done": sum(done for _juror, done, _total in progress),
                    "total": sum(total for _juror, _done, total in progress),
                    "no_members": not progress,
                    "no_criteria": not nominations
                    or any(not selectors.criteria_of(criteria, n.pk) for n in nominations),
                    "no_assignments": not panel.assignment_count,
                }
            )
    return render(
        request,
        "judging/organizer_panels.html",
        {
            "edition": edition,
            "rows": rows,
            "has_regional": any(row["panel"].stage == Panel.Stage.REGIONAL for row in rows),
            "has_republican": any(row["panel"].stage == Panel.Stage.REPUBLICAN for row in rows),
            "criteria_count": Criterion.objects.filter(edition=edition).count() if edition else 0,
        },
    )


def _panel_for_setup(pk):
    edition = Edition.objects.current()
    return get_object_or_404(Panel.objects.select_related("edition", "region", "chair"), pk=pk, edition=edition)


def _build_report(panel):
    """The rule and declared conflicts that keep jurors from films of the panel (not the dismissed ones)."""
    return list(
        Conflict.objects.filter(panel=panel)
        .exclude(decision=Conflict.Decision.DISMISSED)
        .select_related("juror", "entry")
        .order_by("juror__last_name", "entry__title", "pk")
    )


@permission_required("judging.manage_panels")
@require_http_methods(["GET", "POST"])
def setup_panel(request, pk):
    """One panel's set-up: names, deadline, rules of counting, members and chair, and building the assignments."""
    panel = _panel_for_setup(pk)
    criteria = list(Criterion.objects.filter(edition=panel.edition_id))
    form = PanelForm(panel=panel, criteria=criteria)
    member_form = MemberAddForm(panel=panel)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "settings":
            form = PanelForm(request.POST, panel=panel, criteria=criteria)
            if form.is_valid():
                try:
                    services.panel_update(
                        panel=panel, by=request.user, chair=form.cleaned_data["chair"], **form.settings()
                    )
                except services.JudgingError as error:
                    form.add_error("chair" if error.code == "chair_not_member" else None, _setup_message(error))
                else:
                    messages.success(request, _("The panel's settings are saved."))
                    return redirect("judging:setup_panel", panel.pk)
        elif action == "member_add":
            member_form = MemberAddForm(request.POST, panel=panel)
            if member_form.is_valid():
                juror = member_form.cleaned_data["juror"]
                services.member_add(panel=panel, juror=juror, chair=member_form.cleaned_data["chair"], by=request.user)
                messages.success(
                    request, _("%(name)s is on the panel now.") % {"name": juror.get_full_name() or juror.email}
                )
                return redirect("judging:setup_panel", panel.pk)
        elif action == "member_drop":
            member = get_object_or_404(
                PanelMember.objects.select_related("juror"), panel=panel, juror=request.POST.get("juror"), active=True
            )
            services.juror_drop(panel=panel, juror=member.juror, by=request.user)
            messages.success(
                request,
                _("%(name)s has left the panel; the films they had not scored went to the other members.")
                % {"name": member.juror.get_full_name() or member.juror.email},
            )
            return redirect("judging:setup_panel", panel.pk)
        elif action == "build":
            try:
                services.assignments_build_check(panel)
                created = services.assignments_build(panel=panel, by=request.user)
            except services.JudgingError as error:
                messages.error(request, _setup_message(error))
            else:
                conflicts = len(_build_report(panel))
                messages.success(
                    request,
                    _(
                        "Assignments built: %(created)s new. Juror and film pairs kept apart for a conflict of "
                        "interest: %(conflicts)s."
                    )
                    % {"created": created, "conflicts": conflicts},
                )
            return redirect("judging:setup_panel", panel.pk)
        else:
            return HttpResponseBadRequest()
    [(_panel, progress)] = selectors.panels_progress([panel])
    members = sorted(juror.pk for juror, _done, _total in progress)
    built_for = services.last_build_members(panel)
    assignment_count = Assignment.objects.filter(panel=panel, active=True).count()
    invite_url = ""
    with contextlib.suppress(NoReverseMatch):  # the people app's page, which judging does not import
        invite_url = reverse("people:invite") + "?" + urlencode({"role": "juror", "panel": panel.pk})
    return render(
        request,
        "judging/setup_panel.html",
        {
            "panel": panel,
            "form": form,
            "member_form": member_form,
            "progress": progress,
            "assignment_count": assignment_count,
            "members_changed": assignment_count > 0 and built_for is not None and built_for != members,
            "conflicts": _build_report(panel),
            "nominations": panel.nominations.all(),
            "entry_count": selectors.panel_entries(panel).count(),
            "invite_url": invite_url,
        },
    )


@permission_required("judging.manage_panels")
@require_http_methods(["GET", "POST"])
def criteria(request):
    """The current edition's criteria: names, scale, weight, order and nomination; added, changed and deleted."""
    edition = Edition.objects.current()
    if edition is None:
        raise Http404
    queryset = Criterion.objects.filter(edition=edition).select_related("nomination").order_by("order", "code")
    formset = CriterionFormSet(queryset=queryset, form_kwargs={"edition": edition}, prefix="criteria")
    if request.method == "POST":
        if request.POST.get("action") == "defaults":
            services.criteria_default_create(edition=edition)
            services.audit(actor=request.user, action="criteria_default", subject=f"edition {edition.year}")
            messages.success(request, _("The seven default criteria are created."))
            return redirect("judging:criteria")
        formset = CriterionFormSet(request.POST, queryset=queryset, form_kwargs={"edition": edition}, prefix="criteria")
        if formset.is_valid():
            deleted = [form.instance.pk for form in formset.deleted_forms if form.instance.pk]
            changes, new = [], []
            for form in formset.forms:
                if form in formset.deleted_forms or not form.has_changed():
                    continue
                values = {name: form.cleaned_data[name] for name in services.CRITERION_FIELDS}
                if form.instance.pk:
                    changes.append(
                        (form.instance.pk, {name: values[name] for name in form.changed_data if name in values})
                    )
                else:
                    new.append(values)
            try:
                services.criteria_save(edition=edition, changes=changes, new=new, deleted=deleted, by=request.user)
            except services.JudgingError as error:
                messages.error(request, _setup_message(error))
                return redirect("judging:criteria")
            messages.success(request, _("The criteria are saved."))
            return redirect("judging:criteria")
    return render(
        request,
        "judging/criteria.html",
        {"edition": edition, "formset": formset, "has_criteria": queryset.exists()},
    )


@permission_required("judging.manage_panels")
@require_http_methods(["GET", "POST"])
def organizer_results(request):
    edition = Edition.objects.current()
    if edition is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "award":
                entry = get_object_or_404(Entry, pk=request.POST.get("entry"), edition=edition)
                value = request.POST.get("award", "")
                if value not in dict(award_choices()):
                    return HttpResponseBadRequest()
                kind, place = _award_choice(value)
                services.award_set(
                    entry=entry, kind=kind, place=place, note=request.POST.get("note", ""), by=request.user
                )
                if kind is None:
                    messages.success(request, _("Saved: «%(title)s» has no award now.") % {"title": entry.title})
                else:
                    messages.success(
                        request,
                        _("Saved: «%(title)s» — %(award)s.")
                        % {"title": entry.title, "award": award_label(kind, place)},
                    )
            elif action == "showcase":
                entry = get_object_or_404(Entry, pk=request.POST.get("entry"), edition=edition)
                shown = request.POST.get("shown") == "1"
                services.showcase_set(entry=entry, shown=shown, by=request.user)
                messages.success(
                    request,
                    (
                        _("«%(title)s» is shown on the results page.")
                        if shown
                        else _("«%(title)s» is no longer shown on the results page.")
                    )
                    % {"title": entry.title},
                )
            elif action == "lock":
                services.results_lock(edition=edition, by=request.user)
                messages.success(request, _("The results are locked and published."))
            elif action == "reopen":
                services.results_reopen(edition=edition, by=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("The results are open again; the reason is recorded."))
            else:
                return HttpResponseBadRequest()
        except services.JudgingError as error:
            messages.error(request, _decision_message(error))
        return redirect("judging:organizer_results")
    panels = Panel.objects.filter(edition=edition, stage=Panel.Stage.REPUBLICAN)
    awards = {a.entry_id: a for a in Award.objects.filter(entry__edition=edition)}
    shown = set(Showcase.objects.filter(entry__edition=edition).values_list("entry_id", flat=True))
    rankings = [(panel, ranking) for panel, rankings in selectors.panels_results(panels) for ranking in rankings]
    for _panel, ranking in rankings:
        for _row, entry in ranking.rows:
            award = awards.get(entry.pk)
            entry.award_value = (
                "" if award is None else (f"place:{award.place}" if award.kind == Award.Kind.PLACE else award.kind)
            )
            entry.award_label = award_label(award.kind, award.place) if award else ""
            entry.award_note = award.note if award else ""
            entry.shown = entry.pk in shown
    return render(
        request,
        "judging/organizer_results.html",
        {
            "edition": edition,
            "rankings": rankings,
            "has_age_groups": edition.age_groups.exists(),
            "locked": selectors.results_locked(edition),
            "choices": award_choices(),
        },
    )


def award_label(kind, place=None):
    """An award as people say it: «2nd place», «Grand Prix», «Special mention»."""
    if kind == Award.Kind.PLACE:
        return {1: _("1st place"), 2: _("2nd place"), 3: _("3rd place")}.get(place, "")
    return {Award.Kind.GRAND_PRIX: _("Grand Prix"), Award.Kind.MENTION: _("Special mention")}.get(kind, "")


def award_choices():
    """The values the results page posts (kept as they were) with their labels spelt out."""
    return [
        ("", _("No award")),
        ("place:1", award_label(Award.Kind.PLACE, 1)),
        ("place:2", award_label(Award.Kind.PLACE, 2)),
        ("place:3", award_label(Award.Kind.PLACE, 3)),
        (Award.Kind.GRAND_PRIX.value, award_label(Award.Kind.GRAND_PRIX)),
        (Award.Kind.MENTION.value, award_label(Award.Kind.MENTION)),
    ]


def _award_choice(value):
    if value.startswith("place:"):
        return Award.Kind.PLACE, int(value.split(":")[1])
    if value in (Award.Kind.GRAND_PRIX, Award.Kind.MENTION):
        return value, None
    return None, None


def _decision_message(error):
    return {
        "locked": _("The results are locked. Reopen them first, with a reason."),
        "not_finalist": _("Only films of the republican stage can be awarded."),
        "reason": _("Write why the results are reopened: it is recorded."),
        "not_locked": _("The results are not locked."),
        "place": _("A place is 1, 2 or 3."),
        "grand_prix_nomination": _("The grand prix goes to a film of the «Best film» nomination."),
        "grand_prix_taken": _("The grand prix is already given to another film; take it back there first."),
    }.get(error.code, _("This is not possible now."))


# ---------------------------------------------------------------- the public results page


# How long a language's copy of the published results is kept: the awards and the films shown cannot change
# while the results are locked (award_set and showcase_set refuse); an edit in the admin shows within this.
PUBLIC_RESULTS_SECONDS = 120


@require_safe
def public_results(request):
    """The results night's page: thousands of parents and teachers open it at once, so its published part is
    rendered once per language and kept in the cache, under a key naming the lock's last change: results
    reopened and locked again are read afresh."""
    edition = Edition.objects.current()
    lock = ResultsLock.objects.filter(edition=edition, locked=True).first() if edition else None
    context = {"edition": edition, "locked": lock is not None}
    if lock is not None:
        context["body"] = cache.get_or_set(
            f"judging:public-results:{edition.pk}:{lock.changed_at.timestamp()}:{get_language()}",
            lambda: render_to_string(
                "judging/partials/public_results_body.html",
                {"awards": selectors.published_awards(edition), "films": selectors.shown_films(edition)},
            ),
            PUBLIC_RESULTS_SECONDS,
        )
    return render(request, "judging/public_results.html", context)


@require_safe
def public_film(request, pk):
    """The light preview of a film the organizers chose to show, once the results are public."""
    showcase = get_object_or_404(Showcase.objects.select_related("entry__edition"), entry_id=pk)
    if not selectors.results_locked(showcase.entry.edition):
        raise Http404
    film = showcase.entry.film
    if film is None or not film.preview:
        raise Http404
    return private_file_response(request, film.preview, public_seconds=3600)


@require_safe
def public_poster(request, pk):
    """A winner's picture on the public page: only once the results are locked, only for awarded films."""
    award = get_object_or_404(Award.objects.select_related("entry__edition"), entry_id=pk)
    if not selectors.results_locked(award.entry.edition):
        raise Http404
    entry = award.entry
    film = entry.film
    name = entry.cover_thumbnail or (film.poster if film else "")
    return private_file_response(request, name, public_seconds=3600)
