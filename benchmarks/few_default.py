"""Few shapes, side by side: primify's default, fogleman/primitive, and primify without its
few-shape search (``Settings.few_shapes=0``: the default before it), each run in turn on the
same protocol target, whole-process wall time and PSNR of the written PNG. Writes
benchmarks/results/few_default.csv.

    python benchmarks/few_default.py [--images starry,american_gothic] [--shapes 8,20,50]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness, metrics  # noqa: E402

WITHOUT = "import sys, primify; primify.convert(sys.argv[1], shapes=int(sys.argv[2]), few_shapes=0).save(sys.argv[3])"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default="starry,american_gothic", help="paintings in ../shared/images/paintings")
    parser.add_argument("--shapes", default="8,20,50")
    parser.add_argument("--out", type=Path, default=harness.REPO_ROOT / "benchmarks" / "out" / "few_default")
    args = parser.parse_args(argv)
    binary = harness.build_primitive()
    paintings = harness.REPO_ROOT.parent / "shared" / "images" / "paintings"
    rows = []
    for name in args.images.split(","):
        source = next(paintings.glob(f"{name}.*"))
        target = harness.make_target(source, args.out / "targets")
        for n in map(int, args.shapes.split(",")):
            runs = {
                "primify": harness.primify_command(target, args.out / f"{name}_{n}_default.png", n, "triangle"),
                "primitive": binary
                and harness.primitive_command(binary, target, args.out / f"{name}_{n}_peer.png", n, "triangle"),
                "primify few_shapes=0": [
                    sys.executable,
                    "-c",
                    WITHOUT,
                    str(target),
                    str(n),
                    str(args.out / f"{name}_{n}_without.png"),
                ],
            }
            for tool, cmd in runs.items():
                if not cmd:
                    continue
                output = Path(cmd[cmd.index("-o") + 1]) if "-o" in cmd else Path(cmd[-1])
                # primify refuses to replace an output of an earlier run.
                output.unlink(missing_ok=True)
                seconds, _, code = harness.run_measured(cmd, args.out / "logs" / f"{name}_{n}_{len(rows)}.log")
                db = metrics.psnr(metrics.load_rgb(output), metrics.load_rgb(target)) if code == 0 else None
                rows.append(
                    {
                        "image": name,
                        "shapes": n,
                        "tool": tool,
                        "seconds": round(seconds, 2),
                        "psnr_db": None if db is None else round(db, 2),
                    }
                )
                print(rows[-1], flush=True)
    path = harness.REPO_ROOT / "benchmarks" / "results" / "few_default.csv"
    harness.write_rows(path, rows)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
