"""In headless Chromium, with real worker processes: the organizer edits the certificate's design with its
live preview, runs the issuing job and watches its progress bar, downloads a region's archive; a student
downloads their certificate and opens its verification page."""

import io
import os
import signal
import zipfile

import pytest
from pypdf import PdfReader

from festival.models import Participant, Region
from submissions.models import Entry, RegionalParticipant
from tests import factories
from tests.browser import shot, signed_in_page
from tests.workers import start_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

LISTED = 300


def test_organizer_designs_issues_and_a_student_downloads_and_verifies(
    document_worker_env, browser, live_server, tmp_path, settings
):
    settings.DOCUMENT_CHUNK_SIZE = 25
    edition = factories.open_edition()
    student = factories.student_with_consent("astana")
    Participant.objects.filter(user=student).update(last_name="Жұмабекова", first_name="Іңкәр")
    entry = factories.entry(user=student, title="Өзен")
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.ACCEPTED)
    karaganda = Region.objects.get(code="karaganda")
    people = Participant.objects.bulk_create(
        [
            Participant(last_name=f"Тізім{i:04d}", first_name="Ерасыл", birth_date="2011-02-02", region=karaganda)
            for i in range(LISTED)
        ]
    )
    RegionalParticipant.objects.bulk_create([RegionalParticipant(edition=edition, participant=p) for p in people])
    organizer = factories.organizer()

    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed at the end
    worker = start_worker(log)
    try:
        page = signed_in_page(browser, live_server, organizer, viewport={"width": 1400, "height": 1000})
        page.goto(f"{live_server.url}/ru/documents/organizer/")
        page.get_by_test_id("edit-template-certificate-kk+ru").click()
        preview = page.get_by_test_id("preview-image")
        preview.wait_for()
        before = preview.get_attribute("src")
        # A new text element: the preview changes while typing, before anything is saved.
        page.get_by_role("button", name="Добавить элемент").click()
        element = page.get_by_test_id("element").last
        element.locator("input[name$='-text']").fill("Құттықтаймыз, {full_name}!")
        element.locator("input[name$='-y']").fill("150")
        page.wait_for_function(
            "before => { const i = document.querySelector('[data-testid=preview-image]');"
            " return i && i.src !== before; }",
            arg=before,
        )
        shot(page, "documents-designer")
        page.get_by_test_id("save-design").click()
        page.get_by_text("Оформление сохранено").wait_for()

        # The job: only certificates; the progress bar fills while the workers issue them.
        page.goto(f"{live_server.url}/ru/documents/organizer/")
        form = page.get_by_test_id("job-form")
        for kind in ("diploma", "thanks"):
            form.locator(f"input[name=kinds][value={kind}]").uncheck()
        form.get_by_test_id("start-job").click()
        progress = page.get_by_test_id("job-progress")
        progress.wait_for()
        seen = []
        for _ in range(1800):  # up to three minutes on a slow machine
            # Both read from one element at one moment: the bar is swapped in anew as the job moves on.
            percent, status = page.get_by_test_id("job-progress").evaluate(
                "bar => [bar.dataset.percent || '0', bar.dataset.status]"
            )
            seen.append(int(percent))
            if status == "done":
                break
            page.wait_for_timeout(100)
        assert page.get_by_test_id("job-progress").get_attribute("data-status") == "done"
        assert seen == sorted(seen) and seen[-1] == 100
        shot(page, "documents-job-done")
        rows = page.get_by_test_id("archives").locator("tr")
        karaganda_row = rows.filter(has_text=karaganda.name_ru)
        with page.expect_download() as download_info:
            karaganda_row.get_by_test_id("archive-link").click()
        archive_path = tmp_path / "karaganda.zip"
        download_info.value.save_as(archive_path)
        with zipfile.ZipFile(archive_path) as archive:
            names = archive.namelist()
            assert len(names) == LISTED and all(name.endswith(".pdf") for name in names)

        # The student: their certificate from their page, then its verification page.
        page = signed_in_page(browser, live_server, student, viewport={"width": 390, "height": 844})
        page.goto(f"{live_server.url}/ru/me/")
        with page.expect_download() as download_info:
            page.get_by_test_id("download-document").first.click()
        pdf = download_info.value.path().read_bytes()
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "Жұмабекова Іңкәр" in text and "Құттықтаймыз, Жұмабекова Іңкәр!" in text
        page.get_by_test_id("verify-document").first.click()
        result = page.get_by_test_id("verify-result")
        result.wait_for()
        assert result.get_attribute("data-status") == "valid"
        assert "Жұмабекова Іңкәр" in page.get_by_test_id("verify-name").inner_text()
        shot(page, "documents-verify-phone")
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        log.close()
