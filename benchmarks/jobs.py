"""Throughput of `primify convert DIR -j N`: images per minute for a batch of 16 pictures, the
median of --repeats runs of each setting taken in turn, and the CPU-seconds per picture.

    python benchmarks/jobs.py                     # -j 1 and -j 2, 256 triangles each, 3 rounds
    python benchmarks/jobs.py --jobs 1,2,4 --shapes 256 --out /tmp/jobs
    python benchmarks/jobs.py --jobs 1,dask       # dask: a local cluster of 2 one-thread workers
    python benchmarks/jobs.py --against /tmp/primify-1794b5c --against-jobs 2   # and another checkout, in turn

Each row is also paired with --baseline's run of the same round (default: this checkout's -j 2):
``seconds_ratio`` and ``cpu_ratio`` are the medians over the rounds of the two runs' ratios, and
the ``_rounds`` columns each round's. -j 1's ``cpu_ratio`` is what two threads cost a picture
over one thread; another checkout's ``seconds_ratio`` is how many times its pictures a minute
this checkout's -j 2 converts.

The batch is the seven benchmark paintings, their mirror images and two samples (16 protocol
targets, 256 px), converted by one `primify convert` process per run, timed as a whole.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
from pathlib import Path

from PIL import Image, ImageOps

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import harness  # noqa: E402
from benchmarks.run import default_images_dir  # noqa: E402

COUNT = 16


def batch(folder: Path, images: Path) -> Path:
    """Writes the 16 targets into ``folder``/batch and returns that folder."""
    out = folder / "batch"
    sources = sorted(p for p in images.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    for src in sources:
        target = harness.make_target(src, out)
        ImageOps.mirror(Image.open(target)).save(out / f"{src.stem}_mirror.png")
    for src in sorted((REPO_ROOT / "samples").glob("*.jpg")):
        if len(list(out.iterdir())) < COUNT:
            harness.make_target(src, out)
    return out


def on_local_cluster(cmd: list[str], log: Path) -> tuple[float, int]:
    """Runs ``cmd --dask`` against a fresh local cluster of two one-thread worker processes on
    loopback; the cluster starts before the clock does."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        seconds, _, code = harness.run_measured(cmd + ["--dask", cluster.scheduler_address], log)
    return seconds, code


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, default=default_images_dir())
    p.add_argument("--jobs", default="1,2", help="comma list of -j values; 'dask' runs on a LocalCluster")
    p.add_argument("--shapes", type=int, default=256)
    p.add_argument("--out", type=Path, default=Path("/tmp/primify-jobs"))
    p.add_argument("--against", type=Path, help="another checkout, run in turn (its own `python -m primify`)")
    p.add_argument("--against-jobs", default="2", help="the -j values the other checkout runs at")
    p.add_argument("--repeats", type=int, default=3, help="rounds; each setting runs once per round, in turn")
    p.add_argument(
        "--baseline", default="2", help="the setting each other one is paired with, round by round (a --jobs value)"
    )
    args = p.parse_args(argv)
    folder = batch(args.out, args.images)
    count = len(list(folder.iterdir()))
    # (row label, -j value, checkout to run from)
    settings = [(jobs, jobs, harness.REPO_ROOT) for jobs in args.jobs.split(",")]
    if args.against:
        commit = harness.git_commit(args.against)
        settings += [(f"{jobs} @{commit}", jobs, args.against) for jobs in args.against_jobs.split(",")]
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in settings}
    for _ in range(args.repeats):
        for label, jobs, checkout in settings:
            cmd = [
                sys.executable,
                "-m",
                "primify",
                "convert",
                str(folder),
                "-n",
                str(args.shapes),
                "--out-dir",
                str(args.out / f"j{label}".replace(" @", "_")),
                "--overwrite",
                "--format",
                "png",
                "--seed",
                "0",
                "-q",
            ]
            log = args.out / f"j{label}.log".replace(" @", "_")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            if jobs == "dask":
                seconds, code = on_local_cluster(cmd, log)
            else:
                seconds, _, code = harness.run_measured(cmd + ["-j", jobs], log, checkout)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if code != 0:
                sys.exit(f"-j {label} failed (exit {code}); see {log}")
            # Dask's workers are still alive here, so their CPU is not counted.
            cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) if jobs != "dask" else None
            runs[label].append((seconds, cpu))
            print(label, round(seconds, 1), cpu and round(cpu, 1), flush=True)
    rows = []
    base = runs.get(args.baseline)
    for jobs, taken in runs.items():
        seconds = statistics.median(s for s, _ in taken)
        cpu = None if jobs == "dask" else statistics.median(c for _, c in taken)
        rows.append(
            {
                "jobs": jobs,
                "images": count,
                "shapes": args.shapes,
                "runs": len(taken),
                "seconds": round(seconds, 1),
                "images_per_minute": round(60 * count / seconds, 1),
                "cpu_seconds_per_image": "" if cpu is None else round(cpu / count, 2),
                **paired(taken, base, args.baseline),
            }
        )
    harness.write_rows(args.out / "jobs.csv", rows)


def paired(taken: list[tuple[float, float | None]], base: list[tuple[float, float | None]] | None, label: str) -> dict:
    """A setting against the baseline's run of the same round (``harness.paired``), its time and,
    where both were counted, its CPU."""
    if base is None:
        return {}
    seconds, seconds_rounds = harness.paired([s for s, _ in taken], [b for b, _ in base])
    counted = all(c for _, c in taken) and all(b for _, b in base)
    cpu, cpu_rounds = harness.paired([c for _, c in taken], [b for _, b in base]) if counted else ("", "")
    return {
        "paired_with": label,
        "seconds_ratio": seconds,
        "seconds_ratio_rounds": seconds_rounds,
        "cpu_ratio": cpu,
        "cpu_ratio_rounds": cpu_rounds,
    }


if __name__ == "__main__":
    main()
