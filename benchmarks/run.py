"""Benchmark primify against fogleman/primitive, run live in turn on the same targets, and a
dense soft-renderer baseline.

    python benchmarks/run.py --table --no-dense  # the issue's table: triangles 8..2048, rect and circle at 20
    python benchmarks/run.py --quick        # smoke run: 2 images, 20 triangles each, both tools
    python benchmarks/run.py                # 100 and 500 shapes, all kinds, dense baseline
    python benchmarks/run.py --scaling      # time and memory against shape count and working size

primitive is built from ../shared/peers when it is missing; where it cannot be (no Go), its stored
anchor figures stand in, and the report says which was used.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Lets `python benchmarks/run.py` import this package and an uninstalled primify checkout.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Only the lean harness at first: torch and matplotlib (compare, report) are imported after the
# primify subprocesses ran, because a child's peak RSS counts the parent's (see harness).
from benchmarks import harness  # noqa: E402

#: The kinds primitive was measured with; any kind primify knows can be asked for with --shape.
KINDS = ["triangle", "circle", "rect"]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
QUICK_IMAGES, QUICK_SHAPES, QUICK_KIND = 2, 20, "triangle"
#: The issue's table: (kind, shapes) pairs.
TABLE = [("triangle", n) for n in (8, 20, 50, 100, 500, 2048)] + [("rect", 20), ("circle", 20)]
#: scikit-image's photos that its wheel ships (skimage/data/), so none is downloaded.
PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png")
SCALING_SHAPES = (128, 512, 2048, 4096)
SCALING_SIZES = (128, 256, 512)
SCALING_SIZE_SHAPES = 512


def photos() -> list[Path]:
    """scikit-image's photos, read from the installed package (none without it)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        print("scikit-image is not installed (pip install -e '.[bench]'): paintings only", flush=True)
        return []
    folder = Path(spec.submodule_search_locations[0]) / "data"
    return [folder / name for name in PHOTOS if (folder / name).exists()]


def default_images_dir() -> Path:
    """The shared paintings when this checkout sits beside ../shared, else samples/."""
    shared = REPO_ROOT.parent / "shared" / "images" / "paintings"
    return shared if shared.is_dir() else REPO_ROOT / "samples"


def csv_list(text: str) -> list[str]:
    """'a, b,c' -> ['a', 'b', 'c']."""
    return [item.strip() for item in text.split(",") if item.strip()]


def int_list(text: str) -> list[int]:
    """'100,500' -> [100, 500]."""
    return [int(item) for item in csv_list(text)]


def positive(text: str) -> int:
    """A whole number of at least 1, as argparse takes a type."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of at least 1, not {value}")
    return value


def kind_list(text: str) -> list[str]:
    """Shape kinds from a comma list; primify itself rejects unknown ones, run by run."""
    return csv_list(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with --quick's overrides applied."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--images",
        type=Path,
        default=None,
        help="folder of source images (default: ../shared/images/paintings, else samples/, "
        "and scikit-image's photos " + ", ".join(PHOTOS) + ")",
    )
    p.add_argument(
        "--shapes", type=int_list, default=[100, 500], help="shape counts (default 100,500), e.g. 100,500,2048"
    )
    p.add_argument("--shape", type=kind_list, default=list(KINDS), help="shape kinds (default triangle,circle,rect)")
    p.add_argument(
        "--out", type=Path, default=REPO_ROOT / "benchmarks" / "out", help="output folder (default benchmarks/out)"
    )
    p.add_argument(
        "--device",
        default=None,
        help="passed to primify as --device and used by the dense baseline; without it "
        "primify gets no --device and the device column says cpu",
    )
    p.add_argument(
        "--table",
        action="store_true",
        help="the issue's table: triangles at 8, 20, 50, 100, 500, 2048 and rect and circle at 20 "
        "(instead of --shapes x --shape)",
    )
    p.add_argument(
        "--peer",
        choices=["live", "anchors"],
        default="live",
        help="primitive run live in turn with primify (built from ../shared/peers when missing; "
        "default), or its stored anchor figures only",
    )
    p.add_argument(
        "--table-up-to",
        type=positive,
        default=None,
        metavar="N",
        help="with --table, only its rows of at most N shapes (the few-shape rows: 50)",
    )
    p.add_argument(
        "--repeats",
        type=positive,
        default=1,
        help="runs of each target by each tool, in turn (primify, primitive, primify, ...); the "
        "report takes their median seconds and mean PSNR (default 1)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: first {QUICK_IMAGES} images, {QUICK_SHAPES} {QUICK_KIND}s only, "
        "same protocol; no dense baseline or step timing unless --dense",
    )
    p.add_argument(
        "--only-2048-on",
        type=csv_list,
        default=["girl_pearl_earing", "starry", "astronaut", "chelsea"],
        help="image stems that get the 2048-shape runs when 2048 is in --shapes "
        "(default: the four primitive's anchors have at 2048)",
    )
    p.add_argument(
        "--dense",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="dense soft-renderer baseline at primify's circle wall time, plus step "
        "timing (default: on, off with --quick)",
    )
    p.add_argument(
        "--scaling",
        action="store_true",
        help=f"instead of the benchmark, time primify on the first image against shape "
        f"count {SCALING_SHAPES} at size 256 and working size {SCALING_SIZES} at "
        f"{SCALING_SIZE_SHAPES} shapes, with the first --shape kind",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.shapes, args.shape, args.table = [QUICK_SHAPES], [QUICK_KIND], False
    if args.dense is None:
        args.dense = not args.quick
    return args


def resolve_device(name: str | None) -> str:
    """The device column: the name given, cpu by default, torch's answer for auto (asked in a
    separate interpreter, to keep torch out of this one for now)."""
    if name != "auto":
        return name or "cpu"
    probe = "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def list_images(folder: Path, limit: int | None = None) -> list[Path]:
    """Image files in folder sorted by name, at most limit of them."""
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return images[:limit]


def run_benchmark(args: argparse.Namespace, targets: list[Path], device: str) -> None:
    """primify runs, each followed by primitive's on the same target when it runs live, to
    results.csv; with --dense, the dense baseline and the step timing."""
    cells = TABLE if args.table else [(kind, n) for n in args.shapes for kind in args.shape]
    cells = [(kind, n) for kind, n in cells if args.table_up_to is None or n <= args.table_up_to]
    runs = [
        (t, kind, n)
        for kind, n in cells
        for t in targets
        if n != 2048 or t.stem in args.only_2048_on
        for _ in range(args.repeats)
    ]
    peer = harness.build_primitive() if args.peer == "live" else None
    rows = []
    with harness.CsvLog(args.out / "results.csv", harness.COLUMNS) as log:
        for i, (target, kind, n) in enumerate(runs, 1):
            print(f"[{i}/{len(runs)}] {target.stem} {kind} {n}", flush=True)
            rows.append(log.add(harness.benchmark_run(target, kind, n, args.out, args.device, device)))
            if peer and kind in harness.PRIMITIVE_MODES:
                log.add(harness.benchmark_run(target, kind, n, args.out, args.device, device, peer))
    if not args.dense:
        # Left over from an earlier run, they would be reported against these new results.
        for stale in ("dense.csv", "steptime.csv"):
            (args.out / stale).unlink(missing_ok=True)
        return
    from benchmarks import compare

    with harness.CsvLog(args.out / "dense.csv", harness.COLUMNS) as log:
        for target in targets:
            budget = harness.dense_budget(rows, target.stem)
            if budget is None:
                print(f"dense {target.stem}: no successful primify circle run to take the time from")
            else:
                log.add(compare.dense_run(target, *budget, device, args.out))
    with harness.CsvLog(args.out / "steptime.csv", compare.STEP_COLUMNS) as log:
        for row in compare.step_time_rows(targets[0], device):
            log.add(row)


def run_scaling(args: argparse.Namespace, source: Path, device: str) -> None:
    """The scaling study on one image, to scaling.csv."""
    # One target at the largest working size, so no run upsamples its input.
    target = harness.make_target(source, args.out / "targets_scaling", max(SCALING_SIZES))
    kind = args.shape[0]
    plan = [(n, 256) for n in SCALING_SHAPES]
    plan += [(SCALING_SIZE_SHAPES, s) for s in SCALING_SIZES if (SCALING_SIZE_SHAPES, s) not in plan]
    with harness.CsvLog(args.out / "scaling.csv", harness.SCALING_COLUMNS) as log:
        for n, size in plan:
            row = log.add(harness.scaling_run(target, kind, n, size, args.out, args.device, device))
            print(f"scaling {kind} {n} shapes at {size}: {row['seconds']} s, {row['peak_rss_mb']} MB", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = resolve_device(args.device)
    sources = list_images(args.images) if args.images else list_images(default_images_dir()) + photos()
    sources = sources[:QUICK_IMAGES] if args.quick else sources
    if not sources:
        print(f"no images in {args.images or default_images_dir()}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    if args.scaling:
        run_scaling(args, sources[0], device)
    else:
        targets = [harness.make_target(s, args.out / "targets") for s in sources]
        run_benchmark(args, targets, device)
    from benchmarks import report

    text = report.write(args.out)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
