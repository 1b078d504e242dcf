"""Placeholders in bulk: one `primify convert` over a folder against primitive run once per
picture (what SQIP does), in turn, round after round. Images per minute of each, and their ratio.

    python benchmarks/bulk.py                      # 12 pictures, 20 triangles, --blur 8, SVG only
    python benchmarks/bulk.py --jobs 1,2 --rounds 3 --shapes 20

The folder holds the protocol targets (256 px) of the seven benchmark paintings and the five
scikit-image photos. primify writes SVG only (`--format svg --blur 8`); primitive writes one SVG
per picture with the harness's command line (`-m 1 -r 256 -s 256 -j 2`), and nothing of SQIP's
other steps (svgo, the blur) is counted against it. Times are whole commands, the primitive
runs summed. Writes benchmarks/results/bulk_<effort>.csv with the median of the rounds
(``vs_primitive``: the ratio of the two medians) and, paired round by round, the median of the
rounds' ratios (``vs_primitive_paired``) and each round's (``vs_primitive_rounds``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import harness  # noqa: E402
from benchmarks.run import default_images_dir, list_images, photos  # noqa: E402


def primify_command(folder: Path, out: Path, shapes: int, jobs: int, blur: float, effort: str) -> list[str]:
    """One `primify convert` over the folder, SVG placeholders only."""
    return [sys.executable, "-m", "primify", "convert", str(folder), "-n", str(shapes), "--blur", str(blur)] + [
        "--format", "svg", "--out-dir", str(out), "-j", str(jobs), "--effort", effort, "--overwrite", "--quiet",
        "--seed", "0",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", type=int, default=20)
    p.add_argument("--blur", type=float, default=8)
    p.add_argument("--jobs", default="1,2", help="comma list of primify's -j values")
    p.add_argument("--effort", default="default", help="primify's --effort")
    p.add_argument("--rounds", type=int, default=3, help="each command runs once per round, in turn")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "out" / "bulk")
    args = p.parse_args(argv)
    folder = args.out / "in"
    targets = [harness.make_target(s, folder) for s in list_images(default_images_dir()) + photos()]
    binary = harness.build_primitive()
    runs: dict[str, list[float]] = {}
    for r in range(args.rounds):
        for jobs in map(int, args.jobs.split(",")):
            cmd = primify_command(folder, args.out / f"primify_j{jobs}", args.shapes, jobs, args.blur, args.effort)
            seconds, _, code = harness.run_measured(cmd, args.out / "logs" / f"primify_j{jobs}_{r}.log")
            if code != 0:
                raise SystemExit(f"primify -j {jobs} failed: see {args.out / 'logs'}")
            runs.setdefault(f"primify -j {jobs} --effort {args.effort}", []).append(seconds)
        if binary:
            start = time.perf_counter()
            for t in targets:
                cmd = harness.primitive_command(
                    binary, t, args.out / "primitive" / f"{t.stem}.svg", args.shapes, "triangle"
                )
                (args.out / "primitive").mkdir(parents=True, exist_ok=True)
                harness.run_measured(cmd, args.out / "logs" / f"primitive_{t.stem}.log")
            runs.setdefault("primitive per picture", []).append(time.perf_counter() - start)
        print({k: round(v[-1], 1) for k, v in runs.items()}, flush=True)
    peer = runs["primitive per picture"] if binary else None
    rows = []
    for tool, taken in runs.items():
        seconds = statistics.median(taken)
        # Paired round by round too: primitive's time over this command's in the same round.
        ratio, rounds = harness.paired(peer, taken) if peer else ("", "")
        rows.append(
            {
                "tool": tool,
                "images": len(targets),
                "shapes": args.shapes,
                "blur": args.blur,
                "seconds": round(seconds, 2),
                "images_per_minute": round(60 * len(targets) / seconds, 1),
                "vs_primitive": "" if peer is None else round(statistics.median(peer) / seconds, 2),
                "vs_primitive_paired": ratio,
                "vs_primitive_rounds": rounds,
            }
        )
    path = REPO_ROOT / "benchmarks" / "results" / f"bulk_{args.effort}.csv"
    harness.write_rows(path, rows)
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
