"""Issuing documents in bulk: certificates for a synthetic edition through the real path — a job planned by
the service, its chunks on the Redis broker, two Celery worker processes issuing and rendering them into
PostgreSQL and private storage, archives built at the end — and, in the same run, the same certificate
rendered from an equivalent HTML page with WeasyPrint.

    python -m bench.documents [--count 10000] [--weasyprint 200] [--workers 2]

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a
throw-away database is created next to it and dropped afterwards) and REDIS_URL (default
redis://127.0.0.1:6379/14; a queue of the run's own). Files go to a temporary folder, removed afterwards.
The last line is one JSON object.
"""

import argparse
import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.scratch import admin, database_urls, production_environment

BASE_DIR = Path(__file__).resolve().parent.parent


class MemoryWatch(threading.Thread):
    """Samples the resident memory of the worker's pool processes (children of the main process)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def _children(self):
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as handle:
                return [int(p) for p in handle.read().split()]
        except OSError:
            return []

    @staticmethod
    def _rss_mib(pid):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def run(self):
        while not self.stop.is_set():
            values = [v for v in (self._rss_mib(p) for p in self._children()) if v]
            if values:
                self.samples.append((time.monotonic(), max(values)))
            time.sleep(0.25)


def _weasyprint_html(spec, data, background_path, font_dir):
    """The same certificate as an HTML page: background, absolutely placed texts, the QR as SVG."""
    import io

    import segno

    from certificates.render import BUILTIN_FONTS, resolve_text

    faces = "".join(
        f"@font-face {{ font-family: '{key}'; src: url('file://{font_dir / file}'); }}"
        for key, (_label, file) in BUILTIN_FONTS.items()
    )
    parts = []
    for element in spec["elements"]:
        if element["type"] == "text":
            text = resolve_text(element["text"], data, spec["language"])
            parts.append(
                f'<div style="position:absolute; left:{element["x"]}mm; top:{element["y"]}mm; '
                f"width:{element['width']}mm; font-family:'{element['font']}'; font-size:{element['size']}pt; "
                f'color:{element["color"]}; text-align:{element["align"]}; line-height:1.2">{text}</div>'
            )
        elif element["type"] == "qr":
            buffer = io.BytesIO()
            segno.make(data["verify_url"], error="m").save(buffer, kind="svg", border=2, xmldecl=False)
            svg = base64.b64encode(buffer.getvalue()).decode()
            parts.append(
                f'<img style="position:absolute; left:{element["x"]}mm; top:{element["y"]}mm; '
                f'width:{element["size"]}mm; height:{element["size"]}mm" src="data:image/svg+xml;base64,{svg}">'
            )
    return (
        f"<html><head><style>{faces} @page {{ size: A4 landscape; margin: 0 }} "
        f"body {{ margin: 0; width: 297mm; height: 210mm; position: relative; "
        f"background: url('file://{background_path}') no-repeat; background-size: 297mm 210mm }}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--weasyprint", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="festival-bench-documents-"))
    base_url, database_url, database = database_urls("documents")
    admin(base_url, f"CREATE DATABASE {database}")
    env = production_environment(
        scratch,
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        DOCUMENT_QUEUE=f"documents-bench-{uuid.uuid4().hex[:8]}",
        DOCUMENT_CHUNK_SIZE=os.environ.get("DOCUMENT_CHUNK_SIZE", "250"),
    )
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from certificates import designs, render, services
        from certificates.models import Document, IssueJob, Kind
        from festival.models import Participant, Region, School, User
        from festival.services import edition_create
        from organizing.demo import demo_phases
        from submissions.models import RegionalParticipant

        call_command("migrate", verbosity=0)
        edition = edition_create(
            year=timezone.now().year,
            title_kk="«Дети Казахстана в мире без границ!» балалар кинофестивалі",
            title_ru="Детский кинофестиваль «Дети Казахстана в мире без границ!»",
            title_en="Children's film festival",
            phases=demo_phases(timezone.localtime()),
            make_current=True,
        )
        organizer = User.objects.create_user("bench-organizer@example.kz", first_name="О", last_name="О")
        regions = list(Region.objects.all())
        schools = School.objects.bulk_create(
            [School(region=region, name=f"№ {n} жалпы білім беретін мектеп") for region in regions for n in range(1, 6)]
        )
        last_names = ["Әбілқайырова", "Жұмабеков", "Қоңырбаева", "Өмірзақов", "Ұлықбекова", "Үмбетов", "Іңкәрова"]
        first_names = ["Гүлназ", "Нұрсұлтан", "Айгерім", "Ерасыл", "Әсел", "Ақжол", "Іңкәр", "Дәулет"]
        people = Participant.objects.bulk_create(
            [
                Participant(
                    last_name=last_names[i % len(last_names)],
                    first_name=first_names[i % len(first_names)],
                    patronymic="Серікұлы" if i % 2 else "Бауыржанқызы",
                    birth_date="2012-05-05",
                    region=schools[i % len(schools)].region,
                    school=schools[i % len(schools)],
                )
                for i in range(args.count)
            ],
            batch_size=5000,
        )
        RegionalParticipant.objects.bulk_create(
            [RegionalParticipant(edition=edition, participant=p) for p in people], batch_size=5000
        )
        services.templates_ensure(edition)

        # Two worker processes on the run's queue, as production runs them.
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "festival",
                "worker",
                "-Q",
                env["DOCUMENT_QUEUE"],
                "-c",
                str(args.workers),
                "-P",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=BASE_DIR,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=open(scratch / "worker.log", "wb"),  # noqa: SIM115 - lives as long as the worker
            start_new_session=True,
        )
        time.sleep(4)  # the pool is up
        watch = MemoryWatch(worker.pid)
        watch.start()
        started = time.monotonic()
        job = services.job_start(edition=edition, kinds=[Kind.CERTIFICATE], by=organizer, send_letters=False)
        planned = time.monotonic() - started
        while IssueJob.objects.get(pk=job.pk).status != IssueJob.Status.DONE:
            if worker.poll() is not None:
                raise SystemExit("the worker stopped: see its log")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        watch.stop.set()
        watch.join()
        from django.db.models import Max

        from certificates.models import IssueChunk

        job.refresh_from_db()
        chunks_done = IssueChunk.objects.filter(job=job).aggregate(last=Max("finished_at"))["last"]
        rendered_after = (chunks_done - job.created_at).total_seconds()
        issued = Document.objects.filter(edition=edition).count()
        assert issued == args.count, f"{issued} documents for {args.count} people"
        storage_root = Path(env["PRIVATE_MEDIA_ROOT"])
        sizes = [
            (storage_root / name).stat().st_size
            for name in Document.objects.filter(edition=edition).values_list("file", flat=True)
        ]
        batches = list((storage_root / "documents").rglob("batches/*.pdf"))
        archives = list((storage_root / "documents").rglob("archives/*.zip"))
        # Rendering (the chunks) and archiving (the last seconds) apart: the archives read every PDF once more.
        memory = [value for moment, value in watch.samples if moment <= started + rendered_after]
        archiving = [value for moment, value in watch.samples if moment > started + rendered_after]
        quarter = max(1, len(memory) // 4)

        # Render only, one core, the same documents: ReportLab here (a document at a time, then as a worker's
        # chunk), then WeasyPrint from HTML.
        sample = list(Document.objects.filter(edition=edition).order_by("number")[: args.weasyprint])
        template = services.template_for(edition, Kind.CERTIFICATE, "kk+ru")
        spec = designs.spec_for(template)
        render.render_one(spec, sample[0].data)  # fonts parsed once per process, as in a worker
        t0 = time.perf_counter()
        for document in sample:
            render.render_one(spec, document.data)
        reportlab_render_rate = len(sample) / (time.perf_counter() - t0)
        t0 = time.perf_counter()  # as a worker renders a chunk: every document's file and the print batch
        render.render_each_and_batch([(spec, document.data) for document in sample])
        chunk_render_rate = len(sample) / (time.perf_counter() - t0)

        import weasyprint

        background = scratch / "background.jpg"
        background.write_bytes(spec["background"])
        font_dir = render.font_dir()
        weasy_sizes = []
        t0 = time.perf_counter()
        for document in sample:
            html = _weasyprint_html(spec, document.data, background, font_dir)
            weasy_sizes.append(len(weasyprint.HTML(string=html).write_pdf()))
        weasy_rate = len(sample) / (time.perf_counter() - t0)

        end_to_end = args.count / elapsed
        result = {
            "documents": args.count,
            "workers": args.workers,
            "chunk_size": int(env["DOCUMENT_CHUNK_SIZE"]),
            "seconds_end_to_end": round(elapsed, 2),
            "seconds_planning": round(planned, 2),
            "seconds_until_every_chunk_rendered": round(rendered_after, 2),
            "seconds_archives": round((job.finished_at - chunks_done).total_seconds(), 2),
            "documents_per_second": round(end_to_end, 1),
            "projected_seconds_for_96065": round(96065 / end_to_end, 1),
            "weasyprint_documents": len(sample),
            "weasyprint_documents_per_second": round(weasy_rate, 2),
            "ratio_end_to_end_vs_weasyprint": round(end_to_end / weasy_rate, 1),
            "reportlab_render_only_per_second_one_core": round(reportlab_render_rate, 1),
            "ratio_render_only_one_core": round(reportlab_render_rate / weasy_rate, 1),
            "render_each_and_batch_per_second_one_core": round(chunk_render_rate, 1),
            "bytes_per_document_mean": int(statistics.mean(sizes)),
            "bytes_per_document_max": max(sizes),
            "weasyprint_bytes_per_document_mean": int(statistics.mean(weasy_sizes)),
            "batch_pdfs": len(batches),
            "batch_bytes_per_page": int(sum(p.stat().st_size for p in batches) / args.count),
            "archives": len(archives),
            "worker_peak_rss_mib": round(max(memory + archiving), 1) if memory else None,
            "worker_rss_mib_rendering_first_quarter_max": round(max(memory[:quarter]), 1) if memory else None,
            "worker_rss_mib_rendering_last_quarter_max": round(max(memory[-quarter:]), 1) if memory else None,
            "worker_rss_mib_archiving_max": round(max(archiving), 1) if archiving else None,
        }
        print(
            f"{args.count} certificates in {elapsed:.1f} s: {end_to_end:.0f}/s end to end "
            f"({args.workers} worker processes); WeasyPrint {weasy_rate:.1f}/s; "
            f"{result['bytes_per_document_mean'] / 1024:.0f} KiB per PDF"
        )
        print(json.dumps(result))
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        from django.db import connections

        connections.close_all()
        admin(base_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
