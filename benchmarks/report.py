"""results.md and quality_vs_time.png, rebuilt from the CSVs in an output folder and the primitive
anchors, so a partial or separate run (e.g. --scaling) still gets a consistent report."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from statistics import fmean, median

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from benchmarks import dense  # noqa: E402

ANCHORS = Path(__file__).resolve().parents[2] / "shared" / "anchors" / "primitive_baseline.csv"
MODES = {"1": "triangle", "2": "rect", "4": "circle"}
KIND_ORDER = {"triangle": 0, "rect": 1, "circle": 2}


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV as dicts; no rows if the file does not exist."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(value: str) -> float:
    """A CSV cell as a float, NaN when blank."""
    return float(value) if value not in ("", None) else math.nan


def fmt(x: float, digits: int = 2) -> str:
    """A table cell: x to digits decimals, a dash for a missing (NaN) value."""
    return "–" if math.isnan(x) else f"{x:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def collapsed(rows: list[dict]) -> list[dict]:
    """One row per (tool, image, shape, shapes), in the order they first appear: a target run
    several times (run.py --repeats) gets its runs' mean PSNR and SSIM and median seconds and
    peak RSS, over the runs that succeeded, ``runs``, how many those were, and ``failed``, how
    many did not."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r.get("tool", "primify"), r["image"], r["shape"], r["shapes"]), []).append(r)
    out = []
    for group in groups.values():
        done = [r for r in group if r["psnr_db"] != ""]
        if not done:
            out.append({**group[0], "runs": "0", "failed": str(len(group))})
            continue
        values = {key: [num(r[key]) for r in done] for key in ("psnr_db", "ssim", "seconds", "peak_rss_mb")}
        out.append(
            {
                **done[0],
                "psnr_db": str(fmean(values["psnr_db"])),
                "ssim": str(fmean(values["ssim"])),
                "seconds": str(median(values["seconds"])),
                "peak_rss_mb": str(median(values["peak_rss_mb"])),
                "runs": str(len(done)),
                "failed": str(len(group) - len(done)),
            }
        )
    return out


def load_peer(rows: list[dict], path: Path = ANCHORS) -> tuple[dict[tuple[str, str, int], tuple[float, float]], str]:
    """primitive's (psnr_db, seconds) by (image, kind, shapes), and where they come from: its rows
    in this benchmark when it ran live, else the stored anchors (empty if those are missing)."""
    live = {
        (r["image"], r["shape"], int(r["shapes"])): (num(r["psnr_db"]), num(r["seconds"]))
        for r in rows
        if r.get("tool") == "primitive" and r["psnr_db"] != ""
    }
    if live:
        return live, "primitive's runs in this benchmark, each run in turn with primify's on the same target"
    return (
        {
            (r["image"], MODES[r["mode"]], int(r["shapes"])): (num(r["psnr_db"]), num(r["seconds"]))
            for r in read_csv(path)
            if r.get("mode") in MODES
        },
        f"the stored anchors `{path.name}` (primitive did not run live)",
    )


def cells(rows: list[dict]) -> dict[tuple[str, int], list[dict]]:
    """Successful rows grouped by (kind, shapes), in a stable kind/count order."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        if r["psnr_db"] != "":
            groups.setdefault((r["shape"], int(r["shapes"])), []).append(r)
    return dict(sorted(groups.items(), key=lambda kv: (KIND_ORDER.get(kv[0][0], 9), kv[0][1])))


def peer_mean(peer: dict, kind: str, shapes: int, images: list[str]) -> tuple[float, float]:
    """primitive's mean (psnr, seconds) over exactly these images; NaNs unless it has them all."""
    found = [peer.get((img, kind, shapes)) for img in images]
    if not found or None in found:
        return math.nan, math.nan
    return fmean(p for p, _ in found), fmean(s for _, s in found)


def summary(rows: list[dict], peer: dict) -> list[dict]:
    """Means per (kind, shapes) for primify and for primitive on the same images."""
    out = []
    for (kind, n), group in cells(rows).items():
        images = [r["image"] for r in group]
        peer_psnr, peer_s = peer_mean(peer, kind, n, images)
        out.append(
            {
                "kind": kind,
                "shapes": n,
                "images": len(images),
                "psnr": fmean(num(r["psnr_db"]) for r in group),
                "ssim": fmean(num(r["ssim"]) for r in group),
                "seconds": fmean(num(r["seconds"]) for r in group),
                "rss": fmean(num(r["peak_rss_mb"]) for r in group),
                "peer_psnr": peer_psnr,
                "peer_seconds": peer_s,
            }
        )
    return out


def failures(rows: list[dict]) -> list[str]:
    """The targets of ``collapsed`` rows with failed runs, by tool: "primify a triangle 8", with
    "(1 of 3 runs)" where others of its repeats succeeded and the target was scored over those."""
    return [
        f"{r.get('tool', 'primify')} {r['image']} {r['shape']} {r['shapes']}"
        + (f" ({r['failed']} of {int(r['failed']) + int(r['runs'])} runs)" if r["psnr_db"] != "" else "")
        for r in rows
        if r["psnr_db"] == "" or int(r.get("failed") or 0)
    ]


def primify_section(rows: list[dict], peer: dict, source: str, failed: list[str]) -> str:
    """Mean and per-image tables of primify against primitive, and the ``failed`` runs."""
    means = table(
        [
            "shape",
            "shapes",
            "images",
            "primify PSNR dB",
            "primitive PSNR dB",
            "Δ dB",
            "primify s",
            "primitive s",
            "time primify/primitive",
            "peak RSS MB",
            "primify SSIM",
        ],
        [
            [
                m["kind"],
                str(m["shapes"]),
                str(m["images"]),
                fmt(m["psnr"]),
                fmt(m["peer_psnr"]),
                fmt(m["psnr"] - m["peer_psnr"]),
                fmt(m["seconds"], 1),
                fmt(m["peer_seconds"], 1),
                fmt(m["seconds"] / m["peer_seconds"]),
                fmt(m["rss"], 0),
                fmt(m["ssim"], 3),
            ]
            for m in summary(rows, peer)
        ],
    )

    def image_row(r: dict) -> list[str]:
        their_psnr, their_s = peer.get((r["image"], r["shape"], int(r["shapes"])), (math.nan, math.nan))
        return [
            r["image"],
            r["shape"],
            r["shapes"],
            fmt(num(r["psnr_db"])),
            fmt(num(r["seconds"]), 1),
            fmt(their_psnr),
            fmt(their_s, 1),
        ]

    per_image = table(
        ["image", "shape", "shapes", "primify PSNR dB", "primify s", "primitive PSNR dB", "primitive s"],
        [image_row(r) for r in rows],
    )
    note = f"\n\nFailed runs (no output scored): {', '.join(failed)}." if failed else ""
    most = max(int(r.get("runs") or 1) for r in rows)
    repeats = (
        f" Each target ran up to {most} times by each tool, in turn: a target's seconds and peak RSS "
        "are the median of its runs, its PSNR and SSIM their mean."
        if most > 1
        else ""
    )
    return (
        f"## primify against primitive\n\nMeans per (shape, shapes); primitive's means are over "
        f"the same images, from {source} (– where it lacks any of them). Seconds are the "
        f"wall time of the whole `primify convert` process, peak RSS is its own.{repeats}\n\n{means}\n\n"
        f"### Per image\n\n{per_image}{note}"
    )


def dense_section(rows: list[dict], dense_rows: list[dict], steps: list[dict]) -> str:
    """The dense baseline against primify's circle runs at equal wall time, and the step times."""
    primify = {(r["image"], int(r["shapes"])): r for r in rows if r["shape"] == "circle"}
    pairs = [(d, primify.get((d["image"], int(d["shapes"])), {})) for d in dense_rows]
    values = [
        [
            num(p.get("psnr_db", "")),
            num(p.get("seconds", "")),
            num(d["psnr_db"]),
            num(d["seconds"]),
            num(d["peak_rss_mb"]),
        ]
        for d, p in pairs
    ]

    def line(name: str, n: str, v: list[float]) -> list[str]:
        return [name, n, fmt(v[0]), fmt(v[1], 1), fmt(v[2]), fmt(v[3], 1), fmt(v[2] - v[0]), fmt(v[4], 0)]

    body = [line(d["image"], d["shapes"], v) for (d, _), v in zip(pairs, values)]
    for n in sorted({int(d["shapes"]) for d in dense_rows}):
        group = [v for (d, _), v in zip(pairs, values) if int(d["shapes"]) == n]
        body.append(line(f"**mean of {len(group)}**", str(n), [fmean(col) for col in zip(*group)]))
    method = (
        f"Method: `benchmarks/dense.py` re-implements conflictednerd/differentiable-"
        f"renderer: N circles (sigmoid of random logits in ±{dense.INIT_RANGE}), all optimised "
        f"jointly by Adam (lr {dense.LEARNING_RATE}) on MSE, every step rendering the full "
        f"(N, H, W) soft coverage sigmoid((r − d)/{dense.SOFTNESS_PX} px) composited in "
        f"painter's order; fixed softness, background fixed to the target's mean colour. It "
        f"runs in the benchmark process for the wall time of primify's circle run with the same "
        f"N on that image (2048 where run, else the largest), and is scored on a hard render "
        f"of its circles by `primify.Scene`. Its peak RSS is the benchmark process's (torch "
        f"included) during the fit."
    )
    step_rows = [
        [
            s["n_active"],
            fmt(num(s["primify_s"]), 4),
            fmt(num(s["dense_s"]), 4),
            fmt(num(s["dense_over_primify"]), 1),
            s["device"],
        ]
        for s in steps
    ]
    return "\n\n".join(
        [
            "## Dense soft renderer at equal wall time",
            method,
            table(
                [
                    "image",
                    "circles",
                    "primify PSNR dB",
                    "primify s",
                    "dense PSNR dB",
                    "dense s",
                    "Δ dB (dense − primify)",
                    "dense peak RSS MB",
                ],
                body,
            ),
            "### Step time (one optimisation step, 256 px target, same process)",
            table(["active shapes", "primify s/step", "dense s/step", "dense/primify", "device"], step_rows),
        ]
    )


def scaling_section(rows: list[dict]) -> str:
    """Wall time and peak RSS against shape count and against working size."""

    def part(key: str, fixed: str, value: int) -> str:
        picked = sorted((r for r in rows if int(r[fixed]) == value), key=lambda r: int(r[key]))
        return table(
            [key, "seconds", "peak RSS MB"],
            [[r[key], fmt(num(r["seconds"]), 1), fmt(num(r["peak_rss_mb"]), 0)] for r in picked],
        )

    first = rows[0]
    return (
        f"## Scaling ({first['image']}, {first['shape']}, output size = working size, "
        f"device {first['device']})\n\nAgainst shape count at size 256:\n\n"
        f"{part('shapes', 'size', 256)}\n\nAgainst working size at 512 shapes:\n\n"
        f"{part('size', 'shapes', 512)}"
    )


def _label(ax, text: str, x: float, y: float, dy: int = 4) -> None:
    ax.annotate(text, (x, y), fontsize=7, textcoords="offset points", xytext=(4, dy))


def plot(rows: list[dict], peer: dict, dense_rows: list[dict], path: Path) -> None:
    """Mean PSNR against mean wall time: a line per method and kind, dense runs as points."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    colours = {"triangle": "tab:blue", "rect": "tab:green", "circle": "tab:red"}
    means = summary(rows, peer)
    most = max(m["images"] for m in means)

    def tag(m: dict) -> str:
        # Cells over fewer images (2048 runs only on a subset) say so, the rest stay uncluttered.
        return str(m["shapes"]) if m["images"] == most else f"{m['shapes']} ({m['images']} img)"

    for kind in dict.fromkeys(m["kind"] for m in means):
        mine = [m for m in means if m["kind"] == kind]
        theirs = [m for m in mine if not math.isnan(m["peer_psnr"])]
        c = colours.get(kind)
        ax.plot([m["seconds"] for m in mine], [m["psnr"] for m in mine], "o-", color=c, label=f"primify {kind}")
        for m in mine:
            _label(ax, tag(m), m["seconds"], m["psnr"])
        if theirs:
            ax.plot(
                [m["peer_seconds"] for m in theirs],
                [m["peer_psnr"] for m in theirs],
                "s--",
                color=c,
                alpha=0.6,
                label=f"primitive {kind}",
            )
        for m in theirs:
            _label(ax, tag(m), m["peer_seconds"], m["peer_psnr"])
    for i, n in enumerate(sorted({int(d["shapes"]) for d in dense_rows})):
        group = [d for d in dense_rows if int(d["shapes"]) == n]
        x, y = fmean(num(d["seconds"]) for d in group), fmean(num(d["psnr_db"]) for d in group)
        ax.plot([x], [y], "kx", markersize=9, label=None if i else "dense soft renderer (circles)")
        _label(ax, f"{n} circles ({len(group)} img)", x, y, dy=-10)
    ax.set_xscale("log")
    ax.set_xlabel("mean wall time per image (s, log scale)")
    ax.set_ylabel("mean PSNR of the written PNG (dB)")
    ax.set_title("Quality against time, 256 px targets (means over images; labels: shape count)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write(out_dir: Path) -> str:
    """Write results.md (and the plot when there are results) from out_dir's CSVs; return the text."""
    everything = collapsed(read_csv(out_dir / "results.csv"))
    rows = [r for r in everything if r.get("tool", "primify") == "primify"]
    dense_rows = read_csv(out_dir / "dense.csv")
    steps = read_csv(out_dir / "steptime.csv")
    scaling = read_csv(out_dir / "scaling.csv")
    peer, source = load_peer(everything)
    parts = ["# primify benchmark"]
    if rows:
        parts.append(primify_section(rows, peer, source, failures(everything)))
    if cells(rows):
        plot(rows, peer, dense_rows, out_dir / "quality_vs_time.png")
    if dense_rows or steps:
        parts.append(dense_section(rows, dense_rows, steps))
    if scaling:
        parts.append(scaling_section(scaling))
    text = "\n\n".join(parts) + "\n"
    (out_dir / "results.md").write_text(text)
    return text
