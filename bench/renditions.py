"""
How long making a photo's renditions takes, and how much memory it needs.

    .venv/bin/python bench/renditions.py [--megapixels 24] [--runs 3]

Draws a detailed 24-megapixel JPEG (6000 × 4000, with EXIF and a GPS position,
like a camera's), then runs the upload pipeline on it exactly as the admin does:
judge the upload, clean it (upright, sRGB, no metadata), and make every
rendition (full frames at 320–1920 px and 3:2 thumbnails, WebP and JPEG). Reports
the time of each step and the peak resident memory of a fresh process per run.
"""

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def camera_jpeg(megapixels):
    from PIL import Image, ImageDraw, ImageFilter

    width = int((megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = int(width * 2 / 3)
    picture = Image.effect_noise((width, height), 60).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for n in range(0, width, 97):
        draw.line([(n, 0), (width - n, height)], fill=(n % 255, 120, 200), width=7)
    picture = picture.filter(ImageFilter.GaussianBlur(1))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0)})
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue(), (width, height)


def high_water_mb():
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it starts over at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_run(path):
    """Run in a fresh process: time each step and report the peak memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.images import processing

    data = Path(path).read_bytes()
    upload = SimpleUploadedFile("camera.jpg", data, "image/jpeg")
    baseline = high_water_mb()
    started = time.perf_counter()
    decoded = processing.open_upload(upload)  # Image.clean(), in the admin's form
    judged = time.perf_counter()
    cleaned = processing.clean(upload, decoded)  # Image.save()
    cleaned_at = time.perf_counter()
    made = processing.renditions(cleaned)
    done = time.perf_counter()
    files = sum(len(pairs) * 2 for pairs in made.values())
    print(
        json.dumps(
            {
                "judge_s": judged - started,
                "clean_s": cleaned_at - judged,
                "renditions_s": done - cleaned_at,
                "total_s": done - started,
                "files": files,
                "peak_mb": high_water_mb(),
                "baseline_mb": baseline,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megapixels", type=float, default=24)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one-run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run:
        one_run(args.one_run)
        return
    sys.path.insert(0, str(ROOT))
    data, size = camera_jpeg(args.megapixels)
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as handle:
        handle.write(data)
    path = Path(handle.name)
    results = []
    try:
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--one-run", str(path)],
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        path.unlink(missing_ok=True)
    print(
        f"Source: {size[0]} × {size[1]} JPEG ({len(data) / 1_048_576:.1f} MB), "
        f"{results[0]['files']} rendition files, {args.runs} runs, median shown\n"
    )
    print("| step | seconds |")
    print("|---|---|")
    for key, label in [
        ("judge_s", "judge the upload (decode fully)"),
        ("clean_s", "clean: upright, sRGB, re-encode without metadata"),
        ("renditions_s", "make every rendition"),
        ("total_s", "total"),
    ]:
        print(f"| {label} | {statistics.median(r[key] for r in results):.2f} |")
    print(
        f"\nPeak resident memory of the process: "
        f"{statistics.median(r['peak_mb'] for r in results):.0f} MB "
        f"(of which {statistics.median(r['baseline_mb'] for r in results):.0f} MB before "
        "the photo was touched: Python, Django and the app)."
    )


if __name__ == "__main__":
    main()
