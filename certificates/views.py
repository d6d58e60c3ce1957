"""Documents on the site: the organizers' designer and jobs, personal and regional downloads, and the
public verification page."""

import base64
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from festival import throttle
from festival.models import Edition, Region
from festival.views import permission_required
from submissions.media_views import private_file_response

from . import designs, selectors, services
from . import render as renderer
from .forms import (
    CorrectionForm,
    ElementFormSet,
    FontForm,
    ImageForm,
    JobForm,
    NewTemplateForm,
    TemplateForm,
    VerifyForm,
    element_initial,
    font_choices,
)
from .models import Archive, Document, DocumentTemplate, IssueChunk, IssueJob, Kind


def _organizers_object(view):
    """For a view of one design, job or document of the organizers': signed in, and to anybody else than an
    organizer the object is not found (404), whether it exists or not. A 403 would tell which ids exist."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("certificates.manage_documents"):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _edition():
    edition = Edition.objects.current()
    if edition is None:
        raise Http404
    return edition


def _error_message(error):
    return {
        "no_kinds": _("Choose at least one kind of document."),
        "another_running": _("Another job of this edition is running; wait for it or cancel it first."),
        "reason": _("Write the reason: it is kept with the document."),
        "not_valid": _("This document is no longer valid; nothing was changed."),
    }.get(error.code, _("This is not possible now."))


def image_problem_message(problem):
    return {
        "too_large": _("The image is too large (more than 40 megapixels). Reduce it and send it again."),
        "format": _("Only JPEG and PNG images are accepted."),
    }.get(getattr(problem, "code", ""), _("This file is not an image. Send a JPEG or PNG picture."))


def font_problem_message(problem):
    missing = getattr(problem, "missing", "")
    if missing and all(letter in renderer.REQUIRED_LETTERS for letter in missing):
        return _(
            "This font lacks letters of the Kazakh or Russian alphabet: %(letters)s. Choose a font that has them all."
        ) % {"letters": " ".join(missing)}
    return _("This file is not a TrueType font (.ttf).")


# ---------------------------------------------------------------- organizers


@permission_required("certificates.manage_documents")
@require_http_methods(["GET", "POST"])
def organizer(request):
    edition = _edition()
    templates = services.templates_ensure(edition)
    form = JobForm(request.POST or None, edition=edition)
    if request.method == "POST" and form.is_valid():
        try:
            running = IssueJob.objects.filter(edition=edition, status=IssueJob.Status.RUNNING).first()
            job = services.job_start(
                edition=edition,
                kinds=form.cleaned_data["kinds"],
                region=form.cleaned_data["region"],
                nomination=form.cleaned_data["nomination"],
                send_letters=form.cleaned_data["send_letters"],
                by=request.user,
            )
        except services.DocumentError as error:
            messages.error(request, _error_message(error))
        else:
            if running is not None and running.pk == job.pk:
                messages.info(request, _("A job of this edition is already running: here it is."))
            return redirect("certificates:job", job.pk)
    issued = dict(
        Document.objects.filter(edition=edition, status=Document.Status.VALID)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    kinds = [(value, label, issued.get(value, 0)) for value, label in Kind.choices]
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        code = services.normalise_code(query)
        found = (
            Document.objects.filter(edition=edition)
            .filter(Q(full_name__icontains=query) | Q(code=code or "-") | Q(data__number=query))
            .select_related("region")
            .order_by("kind", "number")[:50]
        )
    return render(
        request,
        "certificates/organizer.html",
        {
            "edition": edition,
            "templates": templates,
            "form": form,
            "kinds": kinds,
            "jobs": IssueJob.objects.filter(edition=edition).select_related("region", "nomination")[:10],
            "archives": Archive.objects.filter(edition=edition).select_related("region"),
            "new_template_form": NewTemplateForm(),
            "query": query,
            "found": found,
        },
    )


@permission_required("certificates.manage_documents")
@require_POST
def template_new(request):
    edition = _edition()
    form = NewTemplateForm(request.POST)
    if not form.is_valid():
        raise Http404
    template, created = DocumentTemplate.objects.get_or_create(
        edition=edition,
        kind=form.cleaned_data["kind"],
        language=form.cleaned_data["language"],
        defaults={
            "elements": designs.default_elements(form.cleaned_data["kind"], form.cleaned_data["language"]),
            "updated_by": request.user,
        },
    )
    if created:
        source = DocumentTemplate.objects.filter(edition=edition, kind=template.kind).exclude(pk=template.pk).first()
        template.background = source.background if source else ""
        template.save(update_fields=["background"])
    return redirect("certificates:template", template.pk)


def _designer_forms(request, template, data=None):
    fonts = font_choices()
    images = [(str(image.pk), image.label) for image in template.images.all()]
    initial = [element_initial(e) for e in template.elements]
    formset = ElementFormSet(data, initial=initial, prefix="el", fonts=fonts, images=images)
    form = TemplateForm(
        data, request.FILES or None, initial={"page": template.page, "orientation": template.orientation}
    )
    return form, formset


def _preview(template, elements=None, page=None, orientation=None):
    """The page as a PNG (base64 for an <img>) with the sample data, and the overflow warnings."""
    spec = designs.spec_for(template, elements=elements)
    if page:
        spec["page"] = page
    if orientation:
        spec["orientation"] = orientation
    data = designs.sample_data(template.kind, template.edition)
    fonts = designs.template_fonts()
    png = renderer.preview_png(spec, data, fonts=fonts, width_px=900)
    warnings = renderer.layout_warnings(spec, data, fonts=fonts)
    return base64.b64encode(png).decode(), warnings


@_organizers_object
@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    template = get_object_or_404(DocumentTemplate.objects.select_related("edition"), pk=pk)
    form, formset = _designer_forms(request, template, request.POST or None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.template_save(
                template=template,
                page=form.cleaned_data["page"],
                orientation=form.cleaned_data["orientation"],
                elements=formset.elements(),
                background=form.cleaned_data["background"],
                clear_background=form.cleaned_data["clear_background"],
                by=request.user,
            )
        except renderer.ImageProblem as problem:
            form.add_error("background", image_problem_message(problem))
        else:
            messages.success(request, _("The design is saved. Documents issued from now on use it."))
            return redirect("certificates:template", template.pk)
    png, warnings = _preview(template)
    return render(
        request,
        "certificates/template.html",
        {
            "template": template,
            "form": form,
            "formset": formset,
            "png": png,
            "warnings": warnings,
            "fields": designs.FIELDS,
            "image_form": ImageForm(),
            "font_form": FontForm(),
        },
    )


@_organizers_object
@require_POST
def template_preview(request, pk):
    """The designer's live preview: the form as it is now, unsaved."""
    template = get_object_or_404(DocumentTemplate.objects.select_related("edition"), pk=pk)
    form, formset = _designer_forms(request, template, request.POST)
    if not formset.is_valid() or not form.is_valid():
        return render(request, "certificates/_preview.html", {"invalid": True})
    png, warnings = _preview(template, formset.elements(), form.cleaned_data["page"], form.cleaned_data["orientation"])
    return render(request, "certificates/_preview.html", {"png": png, "warnings": warnings})


@_organizers_object
@require_POST
def template_image(request, pk):
    template = get_object_or_404(DocumentTemplate, pk=pk)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            image = services.template_add_image(
                template=template, label=form.cleaned_data["label"], uploaded=form.cleaned_data["file"]
            )
        except renderer.ImageProblem as problem:
            messages.error(request, image_problem_message(problem))
        else:
            messages.success(
                request,
                _("«%(label)s» is uploaded: add an element «Signature or stamp» to place it.") % {"label": image.label},
            )
    else:
        messages.error(request, _("Give the image a label and choose the file."))
    return redirect("certificates:template", template.pk)


@_organizers_object
@require_POST
def font_upload(request, pk):
    template = get_object_or_404(DocumentTemplate, pk=pk)
    form = FontForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            font = services.font_add(
                name=form.cleaned_data["name"], uploaded=form.cleaned_data["file"], by=request.user
            )
        except renderer.FontProblem as problem:
            messages.error(request, font_problem_message(problem))
        else:
            messages.success(request, _("The font «%(name)s» is added to the list of fonts.") % {"name": font.name})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("certificates:template", template.pk)


def _job_context(job):
    progress = services.job_progress(job)
    chunks = IssueChunk.objects.filter(job=job, status=IssueChunk.Status.DONE).exclude(batch_file="")
    archives = (
        Archive.objects.filter(edition=job.edition, built_at__gte=job.created_at).select_related("region")
        if job.status == IssueJob.Status.DONE
        else []
    )
    return {"job": job, "progress": progress, "chunks": chunks, "archives": archives}


@_organizers_object
@require_http_methods(["GET", "POST"])
def job(request, pk):
    job = get_object_or_404(IssueJob.objects.select_related("edition", "region", "nomination"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.job_cancel(job=job)
                messages.info(request, _("The job is cancelled. What is issued stays; resume it to finish the rest."))
            elif action == "resume":
                services.job_resume(job=job)
                messages.success(request, _("The job goes on from where it stopped."))
        except services.DocumentError as error:
            messages.error(request, _error_message(error))
        return redirect("certificates:job", job.pk)
    return render(request, "certificates/job.html", _job_context(job))


@_organizers_object
@require_safe
def job_progress(request, pk):
    job = get_object_or_404(IssueJob.objects.select_related("edition"), pk=pk)
    response = render(request, "certificates/_job_progress.html", _job_context(job))
    if job.status != IssueJob.Status.RUNNING:
        # htmx stops polling on 286.
        response.status_code = 286
    return response


@_organizers_object
@require_safe
def batch(request, pk, index):
    chunk = get_object_or_404(IssueChunk.objects.select_related("job__edition"), job_id=pk, index=index)
    return private_file_response(
        request,
        chunk.batch_file,
        download_name=f"{chunk.job.edition.year}-{chunk.kind}-{chunk.job_id}-{chunk.index + 1:04d}.pdf",
    )


@_organizers_object
@require_POST
def correct(request, pk):
    document = get_object_or_404(Document, pk=pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reason: it is kept with the document."))
        return redirect(f"{reverse('certificates:organizer')}?q={document.code}")
    try:
        if request.POST.get("action") == "reissue":
            fresh = services.document_reissue(document=document, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(
                request,
                _("Document %(old)s is replaced by %(new)s with the corrected data.")
                % {"old": document.display_number, "new": fresh.display_number},
            )
            return redirect(f"{reverse('certificates:organizer')}?q={fresh.code}")
        services.document_revoke(document=document, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("Document %(number)s is revoked.") % {"number": document.display_number})
    except services.DocumentError as error:
        messages.error(request, _error_message(error))
    return redirect(f"{reverse('certificates:organizer')}?q={document.code}")


# ---------------------------------------------------------------- downloads


@login_required
@require_safe
def mine(request):
    return render(request, "certificates/mine.html", {"documents": selectors.documents_of(request.user)})


@login_required
@require_safe
def download(request, pk):
    document = get_object_or_404(Document.objects.select_related("edition", "participant"), pk=pk)
    # Somebody else's document is not found: a 403 would tell that the number exists.
    if not request.user.has_perm("certificates.download_document", document):
        raise Http404
    if document.status != Document.Status.VALID and not request.user.has_perm("certificates.manage_documents"):
        raise Http404
    response = HttpResponse(services.document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        request.GET.get("view") != "1", services.document_filename(document)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def archive(request, pk):
    archive = get_object_or_404(Archive.objects.select_related("edition", "region"), pk=pk)
    if not request.user.has_perm("certificates.download_archive", archive):
        raise Http404
    region = archive.region.code if archive.region_id else "all"
    return private_file_response(
        request, archive.file, download_name=f"{archive.edition.year}-{archive.kind}-{region}.zip"
    )


@login_required
@require_safe
def region(request, code):
    region = get_object_or_404(Region, code=code)
    if not request.user.has_perm("festival.view_region_workspace", region):
        raise PermissionDenied
    edition = _edition()
    documents = (
        Document.objects.filter(edition=edition, region=region, status=Document.Status.VALID)
        .select_related("edition")
        .order_by("kind", "full_name")
    )
    query = request.GET.get("q", "").strip()
    if query:
        documents = documents.filter(full_name__icontains=query)
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/region.html",
        {
            "region": region,
            "edition": edition,
            "archives": Archive.objects.filter(edition=edition, region=region).select_related("region"),
            "page": page,
            "query": query,
        },
    )


# ---------------------------------------------------------------- public verification


@require_safe
def verify_short(request, code):
    """The address printed in the QR code: short, without a language; the page opens in the reader's."""
    return redirect("certificates:verify_code", code=code)


@require_http_methods(["GET", "POST"])
def verify(request):
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = services.normalise_code(form.cleaned_data["code"])
        return redirect("certificates:verify_code", code=code or "-")
    return render(request, "certificates/verify.html", {"form": form})


@require_safe
# Every lookup of a code ends here (the form and the QR code's short address redirect to this page): limited
# per client address, so that the codes cannot be tried one after another.
@throttle.rate_limited("verify", methods=("GET", "HEAD"))
def verify_code(request, code):
    normalised = services.normalise_code(code)
    document = (
        Document.objects.filter(code=normalised).select_related("edition", "nomination", "replaced_by").first()
        if normalised
        else None
    )
    language = get_language()
    context = {"form": VerifyForm(initial={"code": code}), "document": document, "checked": True}
    if document is not None:
        data = document.data
        context["award"] = data.get(f"award_{language}") or data.get("award_ru", "")
        context["nomination"] = data.get(f"nomination_{language}") or data.get("nomination_ru", "")
        context["edition_title"] = data.get(f"edition_{language}") or document.edition.title
    response = render(request, "certificates/verify.html", context, status=200 if document else 404)
    response["X-Robots-Tag"] = "noindex"
    return response
