"""Trials of a setting or a commit through the library, on pictures outside the benchmark set:
mean PSNR (the 8-bit render against the 8-bit 256 px target) and mean fitting seconds (the
``primify.convert`` call, start-up left out) over several pictures and seeds.

    python benchmarks/trials.py --shapes 8,20 --try regrow=2 --try regrow=3
    python benchmarks/trials.py --shapes 20 --kinds rect,circle --against /tmp/primify-50c824b

Every setting (each ``--try``, this checkout as it is, each ``--against`` checkout) runs in its
own process, in turn, for each shape count and kind; rows are appended to --csv. The pictures
are scikit-image's camera, coins, hubble_deep_field, immunohistochemistry and retina, which the
defaults were never tuned on; seeds 0 to --seeds - 1 each.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PICTURES = ("camera", "coins", "hubble_deep_field", "immunohistochemistry", "retina")


def one(shapes: int, kind: str, seeds: int, overrides: dict) -> dict:
    """Runs in the trial's own process, with the checkout's primify first on the path."""
    import numpy as np
    import skimage.data
    import torch
    from PIL import Image

    import primify

    psnrs, seconds = [], []
    for name in PICTURES:
        picture = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        scale = 256 / max(picture.size)
        target = picture.resize([round(side * scale) for side in picture.size], Image.LANCZOS)
        goal = np.asarray(target, dtype=np.float64)
        for seed in range(seeds):
            start = time.perf_counter()
            scene = primify.convert(
                target, shapes=shapes, kinds=kind, generator=torch.Generator().manual_seed(seed), **overrides
            )
            seconds.append(time.perf_counter() - start)
            drawn = np.asarray(scene.render(max(target.size)).convert("RGB"), dtype=np.float64)
            psnrs.append(10 * np.log10(255**2 / np.mean((drawn - goal) ** 2)))
    return {"psnr_db": round(float(np.mean(psnrs)), 3), "fit_seconds": round(float(np.mean(seconds)), 3)}


def value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shapes", default="8,20", help="comma list of shape counts")
    p.add_argument("--kinds", default="triangle", help="comma list of kinds, each tried alone")
    p.add_argument("--seeds", type=int, default=6)
    p.add_argument("--try", dest="tries", action="append", default=[], help="KEY=VALUE[,KEY=VALUE]: a setting to try")
    p.add_argument("--against", type=Path, action="append", default=[], help="another checkout, run in turn")
    p.add_argument("--csv", type=Path, default=REPO_ROOT / "benchmarks" / "out" / "trials.csv")
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one(**json.loads(args.one))))
        return
    sys.path.insert(0, str(REPO_ROOT))
    from benchmarks import harness

    tries = [{}] + [dict(kv.split("=", 1) for kv in t.split(",")) for t in args.tries]
    settings = [(harness.REPO_ROOT, {k: value(v) for k, v in t.items()}) for t in tries]
    settings += [(checkout, {}) for checkout in args.against]
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    fresh = not args.csv.exists()
    with open(args.csv, "a", newline="") as f:
        writer = csv.writer(f)
        if fresh:
            writer.writerow(["commit", "settings", "shapes", "kind", "conversions", "psnr_db", "fit_seconds"])
        for shapes in map(int, args.shapes.split(",")):
            for kind in args.kinds.split(","):
                for checkout, overrides in settings:
                    task = json.dumps({"shapes": shapes, "kind": kind, "seeds": args.seeds, "overrides": overrides})
                    env = {**os.environ, "PYTHONPATH": str(checkout)}
                    out = subprocess.run(
                        [sys.executable, __file__, "--one", task], env=env, check=True, capture_output=True, text=True
                    ).stdout
                    got = json.loads(out.splitlines()[-1])
                    row = [harness.git_commit(checkout), json.dumps(overrides), shapes, kind]
                    writer.writerow(row + [len(PICTURES) * args.seeds, got["psnr_db"], got["fit_seconds"]])
                    f.flush()
                    print(*row, got["psnr_db"], got["fit_seconds"], flush=True)


if __name__ == "__main__":
    main()
