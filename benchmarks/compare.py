"""The dense baseline measured inside the benchmark process: its fits at primify's wall time, and
the per-step timing of both renderers. Imported only after the primify subprocesses have run (see
harness)."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from benchmarks import dense, metrics
from benchmarks.harness import peak_rss_mb, reset_peak_rss

STEP_TIME_SHAPES = (256, 2048)
STEP_COLUMNS = ["n_active", "primify_s", "dense_s", "dense_over_primify", "device"]


def load_tensor(path: Path) -> torch.Tensor:
    """An image file as a float32 (3, H, W) tensor in [0, 1]."""
    return torch.from_numpy(metrics.load_rgb(path).copy()).permute(2, 0, 1).float() / 255.0


def dense_run(target: Path, n: int, budget_s: float, device: str, out_dir: Path) -> dict:
    """Fit the dense baseline for budget_s seconds in this process; score its hard render."""
    reset_peak_rss()
    fitted = dense.fit(load_tensor(target), n, budget_s, device)
    ref = metrics.load_rgb(target)
    rendered = dense.hard_render(fitted.circles, ref.shape[1], ref.shape[0], fitted.background)
    peak = peak_rss_mb()
    Image.fromarray(rendered).save(out_dir / "outputs" / f"{target.stem}_dense_circle_{n}.png")
    print(f"dense {target.stem}: {n} circles, {fitted.steps} steps in {fitted.seconds:.1f} s")
    return {
        "image": target.stem,
        "shape": "circle",
        "shapes": n,
        "seconds": round(fitted.seconds, 3),
        "psnr_db": round(metrics.psnr(rendered, ref), 4),
        "ssim": round(metrics.ssim(rendered, ref), 5),
        "peak_rss_mb": round(peak, 1),
        "device": device,
    }


def step_time_rows(target: Path, device: str) -> list[dict]:
    """Seconds of one optimisation step, primify's renderer against the dense one, in this process."""
    from primify.fit.refine import step_seconds

    tensor = load_tensor(target)
    rows = []
    for n in STEP_TIME_SHAPES:
        ours = step_seconds(tensor, kind="circle", n_active=n, device=device)
        theirs = dense.step_seconds(tensor, n, device)
        rows.append(
            {
                "n_active": n,
                "primify_s": round(ours, 6),
                "dense_s": round(theirs, 6),
                "dense_over_primify": round(theirs / ours, 3),
                "device": device,
            }
        )
        print(f"step time at {n} shapes: primify {ours:.4g} s, dense {theirs:.4g} s")
    return rows
