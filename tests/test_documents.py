"""Documents: who is owed what, issuing once, numbers and codes, jobs, archives, correction, verification,
downloads and letters."""

import io
import re
import zipfile

import pypdfium2
import pytest
import zxingcpp
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from certificates import selectors, services
from certificates.models import Archive, Document, DocumentTemplate, IssueChunk, IssueJob, Kind
from festival.models import Participant, Region
from judging import services as judging_services
from judging.models import Award
from submissions.models import Entry, RegionalParticipant
from submissions.storage import private_storage
from tests import factories
from tests.queries import page_queries

pytestmark = pytest.mark.django_db

KAZAKH_NAME = ("Әбілқайырова", "Гүлназ", "Нұрланқызы")


def accepted_entry(**kwargs):
    entry = factories.entry(**kwargs)
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    return Entry.objects.get(pk=entry.pk)


def listed(edition, count, region_code="almaty-city"):
    """People of a region's imported list of the regional stage."""
    region = Region.objects.get(code=region_code)
    people = Participant.objects.bulk_create(
        [
            Participant(last_name=f"Тізім{i:04d}", first_name="Әлия", birth_date="2012-05-05", region=region)
            for i in range(count)
        ]
    )
    RegionalParticipant.objects.bulk_create([RegionalParticipant(edition=edition, participant=p) for p in people])
    return people


@pytest.fixture
def festival(edition):
    return festival_at_its_end(edition)


def festival_at_its_end(edition):
    """An edition at its end: an accepted entry, a draft, a winning team entry with a supervisor, the
    results locked, and an imported regional list."""
    organizer = factories.organizer()
    student_entry = accepted_entry(region_code="astana")
    draft = factories.entry(region_code="astana", title="Черновик")
    supervisor = factories.SupervisorFactory(region=Region.objects.get(code="abai"))
    winner = factories.entry(supervisor=supervisor, region_code="abai", title="Ұлы дала")
    Entry.objects.filter(pk=winner.pk).update(state=Entry.State.REPUBLICAN_PARTICIPANT)
    judging_services.award_set(entry=winner, kind=Award.Kind.PLACE, place=1, by=organizer)
    judging_services.results_lock(edition=edition, by=organizer)
    people = listed(edition, 3)
    return {
        "edition": edition,
        "organizer": organizer,
        "student_entry": student_entry,
        "draft": draft,
        "winner": Entry.objects.get(pk=winner.pk),
        "supervisor": supervisor,
        "listed": people,
    }


def run_job(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_start(**kwargs)
    job.refresh_from_db()
    return job


def test_owed_follows_the_rules(festival):
    edition, winner = festival["edition"], festival["winner"]
    items = selectors.owed(edition, kinds=Kind.values)
    by_kind = {kind: [i["basis"] for i in items if i["kind"] == kind] for kind in Kind.values}
    author = winner.authors.get().participant
    assert by_kind[Kind.DIPLOMA] == [f"entry:{winner.pk}:participant:{author.pk}"]
    assert by_kind[Kind.THANKS] == [f"entry:{winner.pk}:supervisor:{festival['supervisor'].pk}"]
    certified = {int(b.split(":")[1]) for b in by_kind[Kind.CERTIFICATE]}
    expected = {author.pk, festival["student_entry"].authors.get().participant_id} | {p.pk for p in festival["listed"]}
    assert certified == expected
    assert festival["draft"].authors.get().participant_id not in certified
    # Filters: a region, a nomination (the imported lists have none).
    abai = selectors.owed(edition, kinds=[Kind.CERTIFICATE], region=Region.objects.get(code="abai"))
    assert [i["participant"] for i in abai] == [author.pk]
    by_nomination = selectors.owed(edition, kinds=[Kind.CERTIFICATE], nomination=winner.nomination)
    assert {i["participant"] for i in by_nomination} <= {
        author.pk,
        festival["student_entry"].authors.get().participant_id,
    }


def test_no_diplomas_before_the_results_are_locked(festival):
    judging_services.results_reopen(edition=festival["edition"], by=festival["organizer"], reason="Проверка")
    kinds = {i["kind"] for i in selectors.owed(festival["edition"], kinds=Kind.values)}
    assert kinds == {Kind.CERTIFICATE}


def test_job_issues_renders_archives_and_issues_only_what_is_missing(festival, django_capture_on_commit_callbacks):
    edition, organizer = festival["edition"], festival["organizer"]
    job = run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=organizer)
    assert job.status == IssueJob.Status.DONE and job.total == 7
    documents = Document.objects.filter(edition=edition)
    assert documents.count() == 7
    for kind, count in ((Kind.DIPLOMA, 1), (Kind.THANKS, 1), (Kind.CERTIFICATE, 5)):
        assert sorted(documents.filter(kind=kind).values_list("number", flat=True)) == list(range(1, count + 1))
    assert len(set(documents.values_list("code", flat=True))) == 7
    storage = private_storage()
    for document in documents:
        assert document.file and storage.exists(document.file)
        assert document.data["number"] == document.display_number
    # Archives: one per kind and region, each with every document of it.
    archives = Archive.objects.filter(edition=edition)
    assert sum(a.count for a in archives) == 7
    almaty = archives.get(kind=Kind.CERTIFICATE, region__code="almaty-city")
    with storage.open(almaty.file, "rb") as handle, zipfile.ZipFile(handle) as archive:
        names = archive.namelist()
        assert len(names) == 3 and all(name.endswith(".pdf") for name in names)
        assert "Тізім0000" in " ".join(names)
    # The print-ready batch of a chunk has one page per document.
    chunk = IssueChunk.objects.get(job=job, kind=Kind.CERTIFICATE, region__code="almaty-city")
    with storage.open(chunk.batch_file, "rb") as handle:
        assert len(PdfReader(io.BytesIO(handle.read())).pages) == 3
    # Again: nothing is missing, nothing is issued twice.
    again = run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=organizer)
    assert again.total == 0 and again.status == IssueJob.Status.DONE
    assert Document.objects.filter(edition=edition).count() == 7
    # A change (a newly accepted entry) adds only its certificate, with the next number.
    newcomer = accepted_entry(region_code="astana", title="Жаңа фильм")
    third = run_job(django_capture_on_commit_callbacks, edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
    assert third.total == 1
    fresh = Document.objects.get(job=third)
    assert fresh.participant_id == newcomer.authors.get().participant_id and fresh.number == 6


def test_a_second_start_joins_the_running_job(festival):
    edition, organizer = festival["edition"], festival["organizer"]
    # Messages are queued only on commit: without the callbacks the first job stays running.
    first = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
    second = services.job_start(edition=edition, kinds=Kind.values, by=organizer)
    assert second.pk == first.pk
    assert IssueJob.objects.filter(edition=edition).count() == 1


def test_a_chunk_run_twice_issues_each_document_once(festival):
    edition, organizer = festival["edition"], festival["organizer"]
    job = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
    chunk = IssueChunk.objects.filter(job=job).first()
    services.chunk_run(chunk.pk)
    numbers = sorted(Document.objects.values_list("number", flat=True))
    # Delivered again (a worker died after the work but before the acknowledgement):
    IssueChunk.objects.filter(pk=chunk.pk).update(status=IssueChunk.Status.PENDING)
    services.chunk_run(chunk.pk)
    assert sorted(Document.objects.values_list("number", flat=True)) == numbers


def test_cancel_stops_and_resume_finishes(festival, django_capture_on_commit_callbacks):
    edition, organizer = festival["edition"], festival["organizer"]
    job = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
    services.job_cancel(job=job)
    job.refresh_from_db()
    first = IssueChunk.objects.filter(job=job).first()
    assert services.chunk_run(first.pk) is False and not Document.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.job_resume(job=job)
    job.refresh_from_db()
    assert job.status == IssueJob.Status.DONE and Document.objects.count() == job.total == 5


def test_watchdog_sends_stalled_chunks_again(festival, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    edition, organizer = festival["edition"], festival["organizer"]
    job = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)  # messages "lost"
    with django_capture_on_commit_callbacks(execute=True):
        services.jobs_watchdog()  # too early: nothing is re-sent
    assert not Document.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.jobs_watchdog(now=timezone.now() + services.STALE_AFTER + datetime.timedelta(seconds=1))
    job.refresh_from_db()
    assert job.status == IssueJob.Status.DONE and Document.objects.count() == 5


def test_certificate_pdf_has_the_kazakh_name_and_a_qr_to_its_verification_page(edition):
    student = factories.student_with_consent()
    Participant.objects.filter(user=student).update(
        last_name=KAZAKH_NAME[0], first_name=KAZAKH_NAME[1], patronymic=KAZAKH_NAME[2]
    )
    entry = factories.entry(user=student)
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    [document] = services._issue(edition, Kind.CERTIFICATE, selectors.owed(edition, kinds=[Kind.CERTIFICATE]))
    pdf = services.document_pdf(document)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert " ".join(KAZAKH_NAME) in text
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=200 / 72).to_pil()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [services.verify_url(document.code)]
    assert decoded[0].endswith(f"/v/{document.code}/")


def test_verification_page_shows_only_what_it_should(client, festival, django_capture_on_commit_callbacks):
    edition = festival["edition"]
    run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=festival["organizer"])
    diploma = Document.objects.get(kind=Kind.DIPLOMA)
    # The QR's short address opens the page in the reader's language.
    response = client.get(f"/v/{diploma.code}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302 and response["Location"] == f"/ru/verify/{diploma.code}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="valid"' in page and diploma.full_name in page
    assert festival["winner"].nomination.name_ru in page and "I место" in page
    participant = diploma.participant
    for private in (participant.school_display, str(participant.birth_date.year), participant.region.name_ru):
        assert private not in page
    # The printed form of the code, typed with spaces and lower case, finds it too.
    typed = client.post(reverse("certificates:verify"), {"code": diploma.display_code.lower().replace("-", " ")})
    assert typed["Location"] == reverse("certificates:verify_code", args=[diploma.code])
    # Unknown and tampered codes: a plain "not found".
    tampered = diploma.code[:-1] + ("0" if diploma.code[-1] != "0" else "1")
    for code in (tampered, "NOTACODE", "'; DROP TABLE"):
        missing = client.get(reverse("certificates:verify_code", args=[code]))
        assert missing.status_code == 404 and 'data-status="not-found"' in missing.content.decode()


def test_correction_replaces_and_revocation_is_shown(client, festival, django_capture_on_commit_callbacks):
    edition, organizer = festival["edition"], festival["organizer"]
    run_job(django_capture_on_commit_callbacks, edition=edition, kinds=[Kind.CERTIFICATE], by=organizer)
    document = Document.objects.filter(participant__in=festival["listed"]).order_by("number").first()
    Participant.objects.filter(pk=document.participant_id).update(last_name="Тізімова")
    client.force_login(organizer)
    response = client.post(
        reverse("certificates:correct", args=[document.pk]), {"action": "reissue", "reason": "Қате тегі"}
    )
    assert response.status_code == 302
    document.refresh_from_db()
    fresh = document.replaced_by
    assert document.status == Document.Status.REPLACED and document.revoked_reason == "Қате тегі"
    assert fresh.full_name.startswith("Тізімова") and fresh.number == 6 and fresh.basis == document.basis
    assert (
        'data-status="replaced"'
        in client.get(reverse("certificates:verify_code", args=[document.code])).content.decode()
    )
    # A reason is required; a replaced document cannot be revoked again.
    assert client.post(reverse("certificates:correct", args=[fresh.pk]), {"action": "revoke", "reason": ""})
    fresh.refresh_from_db()
    assert fresh.status == Document.Status.VALID
    client.post(reverse("certificates:correct", args=[fresh.pk]), {"action": "revoke", "reason": "Выдан ошибочно"})
    fresh.refresh_from_db()
    assert fresh.status == Document.Status.REVOKED
    page = client.get(reverse("certificates:verify_code", args=[fresh.code])).content.decode()
    assert 'data-status="revoked"' in page
    with pytest.raises(services.DocumentError):
        services.document_revoke(document=fresh, reason="ещё раз", by=organizer)


def test_personal_downloads_and_their_limits(client, festival, django_capture_on_commit_callbacks):
    edition = festival["edition"]
    run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=festival["organizer"])
    student = festival["student_entry"].created_by
    own = Document.objects.get(participant__user=student)
    client.force_login(student)
    page = client.get(reverse("account:home")).content.decode()
    assert reverse("certificates:download", args=[own.pk]) in page
    response = client.get(reverse("certificates:download", args=[own.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert own.full_name in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    other = Document.objects.get(kind=Kind.THANKS)
    # Somebody else's document, like one that does not exist: not found, so no number is confirmed.
    assert client.get(reverse("certificates:download", args=[other.pk])).status_code == 404
    assert client.get(reverse("certificates:download", args=[other.pk + 10_000])).status_code == 404
    # The supervisor: their letter and the certificate and diploma of the child they registered.
    client.force_login(festival["supervisor"])
    mine = client.get(reverse("certificates:mine")).content.decode()
    assert mine.count('data-testid="download-document"') == 3
    # Coordinators: their region's documents and archive, not another region's.
    client.force_login(factories.coordinator("almaty-city"))
    listed_doc = Document.objects.filter(region__code="almaty-city").first()
    assert client.get(reverse("certificates:download", args=[listed_doc.pk])).status_code == 200
    assert client.get(reverse("certificates:download", args=[own.pk])).status_code == 404
    archive = Archive.objects.get(region__code="almaty-city")
    response = client.get(reverse("certificates:archive", args=[archive.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert (
        client.get(
            reverse("certificates:archive", args=[Archive.objects.get(region__code="abai", kind=Kind.DIPLOMA).pk])
        ).status_code
        == 404
    )
    # The organizers' designs, jobs and batches: not found to a coordinator, as ids that do not exist are.
    template = DocumentTemplate.objects.filter(edition=edition).first()
    job = IssueJob.objects.filter(edition=edition).first()
    for url in (
        reverse("certificates:template", args=[template.pk]),
        reverse("certificates:job", args=[job.pk]),
        reverse("certificates:job_progress", args=[job.pk]),
        reverse("certificates:batch", args=[job.pk, 0]),
    ):
        assert client.get(url).status_code == 404, url
    # A page without an object stays forbidden (403) to a signed-in person without the role.
    assert client.get(reverse("certificates:organizer")).status_code == 403
    assert client.get(reverse("certificates:region", args=["almaty-city"])).status_code == 200
    assert client.get(reverse("certificates:region", args=["abai"])).status_code == 403


def test_a_document_without_a_stored_file_renders_on_request(client, festival):
    edition = festival["edition"]
    [document] = services._issue(edition, Kind.CERTIFICATE, selectors.owed(edition, kinds=[Kind.CERTIFICATE])[:1])
    assert document.file and not services.stored(document.file)
    client.force_login(festival["organizer"])
    response = client.get(reverse("certificates:download", args=[document.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_letters_go_in_batches_at_the_configured_rate(festival, django_capture_on_commit_callbacks, settings):
    edition = festival["edition"]
    second = accepted_entry(region_code="astana", title="Екінші")
    run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=festival["organizer"])
    mail.outbox.clear()
    # Two students with accounts and the supervisor (one letter for two documents).
    assert services.letters_send_batch(limit=1) == 1
    assert services.letters_send_batch(limit=100) == 2
    assert services.letters_send_batch(limit=100) == 0
    assert len(mail.outbox) == 3
    recipients = {m.to[0] for m in mail.outbox}
    assert second.created_by.email in recipients and festival["supervisor"].email in recipients
    letter = next(m for m in mail.outbox if m.to == [festival["supervisor"].email])
    assert "/documents/" in letter.body and letter.body.count("№") == 1
    # People without an account (imported lists) get no letter; their documents are in the archives.
    assert not Document.objects.filter(letter_due=True, user__isnull=True).exists()


def test_designer_preview_save_and_bad_files(client, edition, tmp_path):
    organizer = factories.organizer()
    client.force_login(organizer)
    assert client.get(reverse("certificates:organizer")).status_code == 200
    template = DocumentTemplate.objects.get(edition=edition, kind=Kind.CERTIFICATE)
    page = client.get(reverse("certificates:template", args=[template.pk]))
    assert page.status_code == 200 and 'data-testid="preview-image"' in page.content.decode()
    form = {
        "page": "A4",
        "orientation": "landscape",
        "el-TOTAL_FORMS": "2",
        "el-INITIAL_FORMS": "0",
        "el-MIN_NUM_FORMS": "0",
        "el-MAX_NUM_FORMS": "60",
        "el-0-type": "text",
        "el-0-text": "Марапатталады: {full_name}",
        "el-0-x": "20",
        "el-0-y": "60",
        "el-0-width": "257",
        "el-0-size": "28",
        "el-0-font": "serif-bold",
        "el-0-color": "#1d3557",
        "el-0-align": "center",
        "el-0-lines": "1",
        "el-0-shrink": "on",
        "el-1-type": "qr",
        "el-1-x": "240",
        "el-1-y": "150",
        "el-1-size": "30",
    }
    preview = client.post(reverse("certificates:template_preview", args=[template.pk]), form)
    assert 'data-testid="preview-image"' in preview.content.decode()
    assert 'data-testid="overflow-warning"' not in preview.content.decode()
    # Too long for a tiny box, even shrunk: a warning.
    tiny = dict(form, **{"el-0-width": "10", "el-0-size": "40"})
    warned = client.post(reverse("certificates:template_preview", args=[template.pk]), tiny).content.decode()
    assert 'data-testid="overflow-warning"' in warned
    # Saved: the template holds the two elements.
    assert client.post(reverse("certificates:template", args=[template.pk]), form).status_code == 302
    template.refresh_from_db()
    assert [e["type"] for e in template.elements] == ["text", "qr"]
    assert template.elements[0]["text"] == "Марапатталады: {full_name}"
    # A web page renamed .jpg as background: refused, the design unchanged.
    html = io.BytesIO(b"<html><body>not a picture</body></html>")
    html.name = "photo.jpg"
    response = client.post(reverse("certificates:template", args=[template.pk]), dict(form, background=html))
    assert response.status_code == 200
    assert "not an image" in response.content.decode()
    background = template.background
    template.refresh_from_db()
    assert template.background == background


def _jpeg(colour):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 424), colour).save(out, "JPEG")
    out.seek(0)
    return out


def test_replaced_background_is_deleted_unless_another_template_shows_it(edition, django_capture_on_commit_callbacks):
    organizer = factories.organizer()
    storage = private_storage()
    template = services.templates_ensure(edition)[0]
    # A template made as a copy shows the same file: it stays while the copy shows it.
    copy = DocumentTemplate.objects.create(
        edition=edition, kind=template.kind, language="ru", elements=template.elements, background=template.background
    )
    shared = template.background
    assert storage.exists(shared)

    def save(on, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            services.template_save(
                template=on, page="A4", orientation="landscape", elements=on.elements, by=organizer, **kwargs
            )

    save(template, background=_jpeg("navy"))
    first = template.background
    assert first != shared and storage.exists(first) and storage.exists(shared)
    save(template, background=_jpeg("maroon"))
    assert not storage.exists(first) and storage.exists(template.background)
    # Saved without a new picture: the background stays.
    kept = template.background
    save(template)
    assert storage.exists(kept)
    # The copy's own new background: now nobody shows the first one, and it goes.
    save(copy, background=_jpeg("teal"))
    assert not storage.exists(shared)
    save(template, clear_background=True)
    assert template.background == "" and not storage.exists(kept)


def test_font_without_kazakh_letters_is_refused_with_the_letters_named(client, edition, tmp_path):
    from certificates import render

    client.force_login(factories.organizer())
    template = (
        DocumentTemplate.objects.get(edition=edition, kind=Kind.CERTIFICATE)
        if DocumentTemplate.objects.exists()
        else services.templates_ensure(edition)[0]
    )
    font_path = render.SYSTEM_FONT_DIR / "DejaVuSans.ttf"
    with open(font_path, "rb") as handle:
        good = io.BytesIO(handle.read())
    good.name = "good.ttf"
    client.post(reverse("certificates:font_upload", args=[template.pk]), {"name": "Менің қаріпім", "file": good})
    from certificates.models import Font

    assert Font.objects.filter(name="Менің қаріпім").exists()
    text = io.BytesIO(b"this is not a font at all")
    text.name = "font.ttf"
    response = client.post(
        reverse("certificates:font_upload", args=[template.pk]), {"name": "Бұзық", "file": text}, follow=True
    )
    assert "not a TrueType font" in response.content.decode()
    assert not Font.objects.filter(name="Бұзық").exists()
    # A real font without the Kazakh letters: refused, and the missing letters are named.
    from tests.test_render import font_without_kazakh

    path = font_without_kazakh(tmp_path / "latin-cyrillic.ttf")
    with open(path, "rb") as handle:
        lacking = io.BytesIO(handle.read())
    lacking.name = "latin-cyrillic.ttf"
    response = client.post(
        reverse("certificates:font_upload", args=[template.pk]), {"name": "Жартылай", "file": lacking}, follow=True
    )
    assert "Ә ә Ғ ғ Қ қ Ң ң Ө ө Ұ ұ Ү ү Һ һ І і" in response.content.decode()
    assert not Font.objects.filter(name="Жартылай").exists()
    # Only the accepted font is kept on disk.
    assert len(list((tmp_path / "private" / "documents" / "fonts").glob("*.ttf"))) == 1


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_document_pages_show_no_english(client, festival, django_capture_on_commit_callbacks, language):
    from django.utils import translation

    from tests.test_i18n import visible_latin_words

    edition = festival["edition"]
    job = run_job(django_capture_on_commit_callbacks, edition=edition, kinds=Kind.values, by=festival["organizer"])
    diploma = Document.objects.get(kind=Kind.DIPLOMA)
    template = DocumentTemplate.objects.get(edition=edition, kind=Kind.DIPLOMA)
    with translation.override(language):
        pages = [
            (festival["organizer"], reverse("certificates:organizer") + "?q=" + diploma.code),
            (festival["organizer"], reverse("certificates:template", args=[template.pk])),
            (festival["organizer"], reverse("certificates:job", args=[job.pk])),
            (festival["supervisor"], reverse("certificates:mine")),
            (None, reverse("certificates:verify_code", args=[diploma.code])),
            (None, reverse("certificates:verify_code", args=["UNKNOWNCODE1"])),
        ]
    found = {}
    for user, url in pages:
        client.logout()
        if user:
            client.force_login(user)
        body = client.get(url).content.decode()
        assert f'lang="{language}"' in body
        # The designer names the fields to print as they are typed: {full_name}, {nomination_kk}, …
        if words := visible_latin_words(re.sub(r"\{[a-z_]+\}", " ", body)):
            found[url] = words
    assert not found, found


# ---------------------------------------------------------------- query counts: one row and three, the same


def issued(edition, kind=Kind.CERTIFICATE, **recipient):
    """A valid document of `kind` as a job would leave it, for `recipient` (region, user, participant)."""
    number = Document.objects.filter(edition=edition, kind=kind).count() + 1
    return Document.objects.create(
        edition=edition,
        kind=kind,
        number=number,
        code=f"TEST{kind[:4].upper()}{number:04d}",
        basis=f"test:{number}",
        full_name=f"Тізім{number:04d} Әлия",
        language="kk",
        **recipient,
    )


def test_a_regions_documents_query_count_does_not_grow(client, edition):
    region = Region.objects.get(code="almaty-city")
    client.force_login(factories.coordinator("almaty-city"))
    url = reverse("certificates:region", args=["almaty-city"])
    kinds = [Kind.CERTIFICATE, Kind.DIPLOMA, Kind.THANKS]

    def grow(kinds):
        for kind in kinds:
            issued(edition, kind, region=region)
            Archive.objects.create(edition=edition, kind=kind, region=region, file=f"archives/{kind}.zip", count=1)

    grow(kinds[:1])
    one, _page = page_queries(client, url)
    grow(kinds[1:])
    three, page = page_queries(client, url)
    body = page.content.decode()
    assert body.count('data-testid="download-document"') == 3 and body.count('data-testid="archive-link"') == 3
    assert len(three) == len(one)


def test_my_documents_query_count_does_not_grow(client, edition):
    student = factories.student_with_consent()
    client.force_login(student)
    issued(edition, user=student, participant=student.participant)
    counts = {name: page_queries(client, reverse(name))[0] for name in ("account:home", "certificates:mine")}
    for kind in (Kind.DIPLOMA, Kind.THANKS):
        issued(edition, kind, user=student, participant=student.participant)
    for name, one in counts.items():
        three, page = page_queries(client, reverse(name))
        assert page.content.decode().count('data-testid="download-document"') == 3, name
        assert len(three) == len(one), name
