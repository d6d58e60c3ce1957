"""Rendering alone, on one core: the ready-made bilingual certificate (its background, a signature with
transparency added) for recipients with long Kazakh names, three ways — ``render_one`` document by
document, ``render`` of a batch, and ``render_each_and_batch`` (a worker's chunk: each document's file and
the print batch). No database.

    python -m bench.render [--count 500] [--batch 250] [--rounds 3]

Prints milliseconds of CPU per document (the best of the rounds) and kilobytes per PDF; the last line is
one JSON object.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def _signature():
    from PIL import Image, ImageDraw

    from certificates import render

    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    points = [(40 + i * 26, 120 + (50 if i % 2 else -50) * (1 - i / 24)) for i in range(21)]
    ImageDraw.Draw(image).line(points, fill=(20, 30, 90, 255), width=6, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return render.process_signature(out.getvalue())


def _data(i):
    names = [
        "Әбілқайыр Ғалымжанұлы Қоңырбаев-Үмбетова Өмірзақ Ұлықбек Һ Іңкәр",
        "Иванова Анастасия Сергеевна",
        "Нұрсұлтан Серікұлы Жақыпбеков",
        "Ахметова Айгерім Бауыржанқызы",
    ]
    return {
        "full_name": f"{names[i % len(names)]} {i}",
        "region_kk": "Абай облысы",
        "school": f"№ {i % 90 + 1} жалпы білім беретін мектеп",
        "date": "15.06.2026",
        "number": f"2026-3-{i:06d}",
        "code": f"ABCD-EFGH-{i % 10000:04d}",
        "verify_url": f"https://festival.example.kz/v/ABCDEFGH{i % 10000:04d}/",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "festival.settings.dev")
    os.environ.setdefault("FESTIVAL_VAR_DIR", tempfile.mkdtemp(prefix="festival-bench-render-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from certificates import designs, render

    elements = designs.default_elements("certificate", "kk+ru")
    elements.append({"type": "image", "image": "signature", "x": 100, "y": 160, "width": 40, "height": 16})
    spec = {
        "page": "A4",
        "orientation": "landscape",
        "language": "kk",
        "background": designs.default_background("landscape"),
        "images": {"signature": _signature()},
        "elements": elements,
    }
    data = [_data(i) for i in range(args.count)]
    pages = [(spec, item) for item in data[: args.batch]]
    render.render_one(spec, data[0])  # fonts slimmed, pictures prepared: once per process, as in a worker

    def best(run, documents):
        times = []
        for _ in range(args.rounds):
            start = time.process_time()
            run()
            times.append(time.process_time() - start)
        return min(times) * 1000 / documents

    one = best(lambda: [render.render_one(spec, item) for item in data], len(data))
    one_kb = sum(len(render.render_one(spec, item)) for item in data[:50]) / 50 / 1024
    together = best(lambda: render.render(pages), len(pages))
    batch_kb = len(render.render(pages)) / len(pages) / 1024
    both = best(lambda: render.render_each_and_batch(pages), len(pages))
    files, _batch = render.render_each_and_batch(pages)
    each_kb = sum(map(len, files)) / len(files) / 1024
    print(f"render_one × {len(data)}: {one:.2f} ms/document, {one_kb:.1f} KB/PDF")
    print(f"render, {len(pages)} pages: {together:.2f} ms/page, {batch_kb:.1f} KB/page")
    print(
        f"render_each_and_batch, {len(pages)} pages: {both:.2f} ms/document (its file and its batch page),"
        f" {each_kb:.1f} KB/PDF"
    )
    print(
        json.dumps(
            {
                "render_one_ms": round(one, 3),
                "render_one_kb": round(one_kb, 1),
                "batch_ms_per_page": round(together, 3),
                "batch_kb_per_page": round(batch_kb, 1),
                "each_and_batch_ms_per_document": round(both, 3),
                "each_kb": round(each_kb, 1),
                "background_bytes": len(spec["background"]),
            }
        )
    )


if __name__ == "__main__":
    main()
