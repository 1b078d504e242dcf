"""Posters: many shapes at a large working size, time and peak memory, against another checkout.

    git worktree add /tmp/primify-1794b5c 1794b5c
    python benchmarks/posters.py --against /tmp/primify-1794b5c --shapes 10000,20000 --against-shapes 10000

Runs `primify convert starry -n N --size 1024` for each N with this checkout, then with each
``--against`` checkout (its own `python -m primify` from its folder), in turn, and records wall
seconds, CPU-seconds of the whole process and its peak RSS. The input is the painting itself
(the protocol target would be upsampled); PSNR is of the written 1024 px PNG against the
painting LANCZOS-resized to it. Writes benchmarks/results/posters.csv.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks import harness, metrics  # noqa: E402
from benchmarks.run import default_images_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--image", default="starry", help="a painting's stem in ../shared/images/paintings")
    p.add_argument("--shapes", default="10000,20000")
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--against", type=Path, action="append", default=[], help="another checkout, run in turn")
    p.add_argument("--against-shapes", default="10000", help="the shape counts the other checkouts run at")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "out" / "posters")
    args = p.parse_args(argv)
    source = next(default_images_dir().glob(f"{args.image}.*"))
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in map(int, args.shapes.split(",")):
        others = args.against if str(n) in args.against_shapes.split(",") else []
        for checkout in [REPO_ROOT, *others]:
            output = args.out / f"{args.image}_{n}_{harness.git_commit(checkout)}.png"
            output.unlink(missing_ok=True)
            cmd = [sys.executable, "-m", "primify", "convert", str(source), "-n", str(n), "--size", str(args.size)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            log = args.out / "logs" / f"{output.stem}.log"
            wall, rss, code = harness.run_measured(cmd + ["-o", str(output), "--seed", "0", "--quiet"], log, checkout)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            db = None
            if code == 0:
                written = Image.open(output).convert("RGB")
                target = Image.open(source).convert("RGB").resize(written.size, Image.LANCZOS)
                db = round(metrics.psnr(metrics.load_rgb(output), np.asarray(target)), 2)
            row = {"commit": harness.git_commit(checkout), "shapes": n, "size": args.size, "seconds": round(wall, 1)}
            rows.append(row | {"cpu_seconds": round(cpu, 1), "peak_rss_mb": round(rss), "psnr_db": db, "exit": code})
            print(rows[-1], flush=True)
    path = REPO_ROOT / "benchmarks" / "results" / "posters.csv"
    harness.write_rows(path, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
