"""Blurred PNGs at large sizes: `primify render` of one scene with `--blur`, against another
checkout, in turn.

    git worktree add /tmp/primify-c49f0ce c49f0ce
    python benchmarks/blur.py --against /tmp/primify-c49f0ce

Fits samples/chelsea.jpg with 20 triangles at `--size 128` once (this checkout), then renders
that scene with `--blur B --output-size S` for each size, with this checkout and each
``--against`` checkout in turn, ``--rounds`` times, and records the median wall seconds and the
peak RSS. ``psnr_db`` is each PNG against the last checkout's (the reference, where that one
draws the exact blur). Writes benchmarks/results/blur.csv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import harness, metrics  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--blur", type=float, default=8)
    p.add_argument("--sizes", default="1024,2048")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--against", type=Path, action="append", default=[], help="another checkout, run in turn")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "out" / "blur")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scene = args.out / "chelsea20.json"
    fit = [sys.executable, "-m", "primify", "convert", str(REPO_ROOT / "samples" / "chelsea.jpg"), "-n", "20"]
    _, _, code = harness.run_measured(
        fit + ["--size", "128", "--seed", "0", "-q", "--overwrite", "-o", str(scene)], args.out / "fit.log"
    )
    assert code == 0, "the scene could not be fitted"
    rows = []
    for size in map(int, args.sizes.split(",")):
        runs: dict[Path, list[tuple[float, float]]] = {}
        outputs = {}
        for _ in range(args.rounds):
            for checkout in [REPO_ROOT, *args.against]:
                outputs[checkout] = args.out / f"blur_{size}_{harness.git_commit(checkout)}.png"
                cmd = [sys.executable, "-m", "primify", "render", str(scene), "--blur", str(args.blur)]
                cmd += ["--output-size", str(size), "-o", str(outputs[checkout]), "--overwrite", "-q"]
                wall, rss, code = harness.run_measured(
                    cmd, args.out / "logs" / f"{outputs[checkout].stem}.log", checkout
                )
                assert code == 0, f"{checkout} failed"
                runs.setdefault(checkout, []).append((wall, rss))
        reference = metrics.load_rgb(outputs[[REPO_ROOT, *args.against][-1]])
        for checkout, measured in runs.items():
            rows.append(
                {
                    "commit": harness.git_commit(checkout),
                    "blur": args.blur,
                    "size": size,
                    "seconds": round(statistics.median(w for w, _ in measured), 2),
                    "peak_rss_mb": round(max(r for _, r in measured)),
                    "psnr_db": round(metrics.psnr(metrics.load_rgb(outputs[checkout]), reference), 1),
                }
            )
            print(rows[-1], flush=True)
    path = REPO_ROOT / "benchmarks" / "results" / "blur.csv"
    harness.write_rows(path, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
