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
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks import metrics  # noqa: E402
from benchmarks.run import default_images_dir  # noqa: E402


def commit(folder: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def measured(cmd: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """(wall seconds, CPU-seconds, peak RSS in MB, exit code) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


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
            output = args.out / f"{args.image}_{n}_{commit(checkout)}.png"
            output.unlink(missing_ok=True)
            cmd = [sys.executable, "-m", "primify", "convert", str(source), "-n", str(n), "--size", str(args.size)]
            wall, cpu, rss, code = measured(cmd + ["-o", str(output), "--seed", "0", "--quiet"], checkout)
            db = None
            if code == 0:
                written = Image.open(output).convert("RGB")
                target = Image.open(source).convert("RGB").resize(written.size, Image.LANCZOS)
                db = round(metrics.psnr(metrics.load_rgb(output), np.asarray(target)), 2)
            row = {"commit": commit(checkout), "shapes": n, "size": args.size, "seconds": round(wall, 1)}
            rows.append(row | {"cpu_seconds": round(cpu, 1), "peak_rss_mb": round(rss), "psnr_db": db, "exit": code})
            print(rows[-1], flush=True)
    path = REPO_ROOT / "benchmarks" / "results" / "posters.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
