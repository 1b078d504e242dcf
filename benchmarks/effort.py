"""PSNR against time for each --effort level: effort.csv and effort.png.

    python benchmarks/effort.py                          # 500 and 2048 triangles, four images
    python benchmarks/effort.py --shapes 500 --images 2 --out /tmp/effort

Each run is one `primify convert` process (start-up included) on a protocol target, the levels
taken in turn per image. Time is given twice: wall seconds, and the CPU-seconds the process and
its threads used, which a busy machine disturbs much less.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import harness, metrics  # noqa: E402
from benchmarks.run import default_images_dir, int_list, list_images, photos  # noqa: E402

LEVELS = ("fast", "default", "best")
COLUMNS = ["image", "shapes", "effort", "seconds", "cpu_seconds", "psnr_db"]


def one(target: Path, shapes: int, effort: str, out: Path) -> dict:
    """One timed, scored run."""
    output = out / "outputs" / f"{target.stem}_{shapes}_{effort}.png"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)  # never score a picture left by an earlier run
    cmd = harness.primify_command(target, output, shapes, "triangle") + ["--effort", effort]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, _, code = harness.run_measured(cmd, out / "logs" / f"{output.stem}.log")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    psnr = metrics.psnr(metrics.load_rgb(output), metrics.load_rgb(target))
    return {
        "image": target.stem,
        "shapes": shapes,
        "effort": effort,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "psnr_db": round(psnr, 4),
    }


def plot(rows: list[dict], path: Path) -> None:
    """Mean PSNR against mean CPU-seconds, a line through the levels per shape count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for n in sorted({r["shapes"] for r in rows}):
        xs, ys = [], []
        for level in LEVELS:
            group = [r for r in rows if r["shapes"] == n and r["effort"] == level]
            if group:
                xs.append(sum(r["cpu_seconds"] for r in group) / len(group))
                ys.append(sum(r["psnr_db"] for r in group) / len(group))
                ax.annotate(level, (xs[-1], ys[-1]), fontsize=8, textcoords="offset points", xytext=(4, -10))
        ax.plot(xs, ys, "o-", label=f"{n} triangles")
    ax.set_xscale("log")
    ax.set_xlabel("mean CPU-seconds per picture (log scale)")
    ax.set_ylabel("mean PSNR of the written PNG (dB)")
    ax.set_title("--effort: quality against time, 256 px")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", type=int_list, default=[500, 2048])
    p.add_argument("--images", type=int, default=4, help="how many images: paintings, then photos")
    p.add_argument("--levels", type=lambda t: t.split(","), default=list(LEVELS), help="e.g. fast,default")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "out" / "effort")
    args = p.parse_args(argv)
    sources = (list_images(default_images_dir()) + photos())[::3][: args.images]
    targets = [harness.make_target(s, args.out / "targets") for s in sources]
    rows = []
    with harness.CsvLog(args.out / "effort.csv", COLUMNS) as log:
        for n in args.shapes:
            for target in targets:
                for level in args.levels:
                    rows.append(log.add(one(target, n, level, args.out)))
                    print(rows[-1], flush=True)
    plot(rows, args.out / "effort.png")


if __name__ == "__main__":
    main()
