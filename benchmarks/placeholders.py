"""Blurred SVG placeholders: primify against SQIP (npm's ``sqip`` 0.3.3) on the sample photos.

    npm install sqip@0.3.3                      # in a scratch folder outside the repository
    python benchmarks/placeholders.py --sqip /scratch/node_modules/.bin/sqip

For each photo in samples/ and each shape count, SQIP writes its placeholder (primitive in combo
mode, svgo, a blur of 12 in the photo's pixels) and primify writes one with the same blur at a
working size of 128 (``--blur`` is in working-size pixels: 12 × 128 / the photo's longer side;
a blurred placeholder needs no finer working size, and its numbers are shorter) and
``--precision 0``, once with triangles and once with every kind. librsvg (``rsvg-convert``) draws each SVG at 256
px on its longer side; dB is PSNR against the photo resized to that size (LANCZOS). Bytes are
the SVG file's, gzipped bytes those of ``gzip -9``. Seconds are each command's wall time, run in
turn. Writes benchmarks/results/placeholders.csv.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import harness, metrics  # noqa: E402

COLUMNS = ["image", "shapes", "tool", "options", "bytes", "gzip_bytes", "psnr_db", "seconds"]
SQIP_BLUR = 12
SIDE = 256
WORKING = 128


def draw(svg: Path, size: tuple[int, int]) -> np.ndarray:
    """The SVG drawn by librsvg at ``size``, over white."""
    png = subprocess.run(
        ["rsvg-convert", "-w", str(size[0]), "-h", str(size[1]), str(svg)], check=True, capture_output=True
    ).stdout
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return np.asarray(
        Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB"), dtype=np.float64
    )


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO_ROOT)
    return time.perf_counter() - start


def measure(image: str, shapes: int, tool: str, options: str, svg: Path, seconds: float, goal: np.ndarray) -> dict:
    data = svg.read_bytes()
    drawn = draw(svg, (goal.shape[1], goal.shape[0]))
    return {
        "image": image,
        "shapes": shapes,
        "tool": tool,
        "options": options,
        "bytes": len(data),
        "gzip_bytes": len(gzip.compress(data, 9, mtime=0)),
        "psnr_db": round(metrics.psnr(drawn, goal), 2),
        "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sqip", default="sqip", help="the sqip command (npm install sqip@0.3.3)")
    p.add_argument("--shapes", default="8,20")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results" / "placeholders.csv")
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for photo in sorted((REPO_ROOT / "samples").glob("*.jpg")):
            with Image.open(photo) as im:
                size = im.size
                goal = np.asarray(
                    im.convert("RGB").resize(harness.target_size(*size, SIDE), Image.LANCZOS), dtype=np.float64
                )
            blur = round(SQIP_BLUR * WORKING / max(size), 1)
            for n in map(int, args.shapes.split(",")):
                out = Path(tmp) / f"{photo.stem}-{n}-sqip.svg"
                seconds = timed([args.sqip, "-n", str(n), "-b", str(SQIP_BLUR), "-o", str(out), str(photo)])
                rows.append(measure(photo.stem, n, "sqip 0.3.3", f"-n {n} -b {SQIP_BLUR}", out, seconds, goal))
                for kind in ("triangle", "all"):
                    options = [
                        "-n",
                        str(n),
                        "-s",
                        kind,
                        "--size",
                        str(WORKING),
                        "--blur",
                        str(blur),
                        "--precision",
                        "0",
                    ]
                    out = Path(tmp) / f"{photo.stem}-{n}-{kind}.svg"
                    seconds = timed(
                        [
                            sys.executable,
                            "-m",
                            "primify",
                            "convert",
                            str(photo),
                            *options,
                            "--seed",
                            "0",
                            "-q",
                            "-o",
                            str(out),
                        ]
                    )
                    rows.append(measure(photo.stem, n, "primify", " ".join(options), out, seconds, goal))
                for row in rows[-3:]:
                    print(",".join(str(row[c]) for c in COLUMNS), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
