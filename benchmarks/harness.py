"""Protocol targets and timed `primify convert` subprocesses, each returning a plain CSV row.

Linux starts a spawned child's ru_maxrss at the parent's peak RSS, so this module stays free of
torch and matplotlib, and the parent's peak is reset before each spawn: the child's figure is then
its own whenever it exceeds the parent's current footprint (python, numpy, PIL: a few tens of MB).
"""

from __future__ import annotations

import csv
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from benchmarks import metrics

REPO_ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["tool", "image", "shape", "shapes", "seconds", "psnr_db", "ssim", "peak_rss_mb", "device"]
SCALING_COLUMNS = ["image", "shape", "shapes", "size", "seconds", "peak_rss_mb", "device"]
TARGET_SIDE = 256
PEERS = REPO_ROOT.parent / "shared" / "peers"
#: primitive's -m modes for the kinds both tools have.
PRIMITIVE_MODES = {"triangle": 1, "rect": 2, "circle": 4}


def build_primitive() -> Path | None:
    """fogleman/primitive built from ../shared/peers (a no-op once built); None where it cannot
    be (no peers folder, no Go), with the reason printed."""
    script = PEERS / "build-primitive.sh"
    if not script.exists():
        print(f"primitive: no {script}; using the stored anchors", flush=True)
        return None
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    binary = Path(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 and done.stdout.strip() else None
    if binary is None or not binary.exists():
        print(f"primitive: build failed ({done.stderr.strip()[-300:]}); using the stored anchors", flush=True)
        return None
    return binary


def primitive_command(binary: Path, target: Path, output: Path, shapes: int, kind: str) -> list[str]:
    """primitive's command line as its anchors were measured: its defaults (alpha 128, the mean
    colour as background), working and output size 256, two workers."""
    return [
        str(binary),
        "-i",
        str(target),
        "-o",
        str(output),
        "-n",
        str(shapes),
        "-m",
        str(PRIMITIVE_MODES[kind]),
        "-r",
        str(TARGET_SIDE),
        "-s",
        str(TARGET_SIDE),
        "-j",
        "2",
    ]


def target_size(width: int, height: int, side: int = TARGET_SIDE) -> tuple[int, int]:
    """(width, height) with the longer side equal to side and the aspect ratio kept."""
    longer = max(width, height)
    return (round(side * width / longer), round(side * height / longer))


def make_target(source: Path, folder: Path, side: int = TARGET_SIDE) -> Path:
    """Write the protocol target (RGB, LANCZOS, longer side = side) as folder/<stem>.png, without
    the source's colour profile."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{source.stem}.png"
    with Image.open(source) as image:
        rgb = image.convert("RGB")
        # PSNR is taken against these 8-bit values as they are. Kept, a profile would have primify
        # (which honours profiles) fit other values than primitive (which ignores them) and than
        # the ones it is scored on: rocket.jpg's Adobe RGB cost primify up to 0.8 dB.
        rgb.resize(target_size(*rgb.size, side), Image.LANCZOS).save(path, icc_profile=None)
    return path


def primify_command(
    target: Path,
    output: Path,
    shapes: int,
    kind: str,
    size: int = TARGET_SIDE,
    device: str | None = None,
    output_size: int | None = None,
) -> list[str]:
    """The `primify convert` command line of one run (a function so tests can substitute it)."""
    cmd = [
        sys.executable,
        "-m",
        "primify",
        "convert",
        str(target),
        "--shapes",
        str(shapes),
        "--shape",
        kind,
        "--size",
        str(size),
        "-o",
        str(output),
        "--seed",
        "0",
        "--quiet",
    ]
    if output_size is not None:
        cmd += ["--output-size", str(output_size)]
    if device is not None:
        cmd += ["--device", device]
    return cmd


def git_commit(folder: Path) -> str:
    """The short commit a checkout is at ("unknown" outside git)."""
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def run_measured(cmd: list[str], log: Path, cwd: Path = REPO_ROOT) -> tuple[float, float, int]:
    """Run cmd from ``cwd``; return (wall seconds, child peak RSS in MB, exit code).

    Output goes to a log file rather than a pipe, so a chatty child cannot block on a full pipe
    while we sit in wait4. Running from the repo root (the default) makes `-m primify` find this
    checkout; from another checkout, that one, its bytecode compiled first (``compiled``).
    """
    compiled(cwd)
    log.parent.mkdir(parents=True, exist_ok=True)
    reset_peak_rss()
    with open(log, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    # wait4 reaped the child; tell Popen so it does not try (and warn) again.
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024.0, proc.returncode


_compiled: set[Path] = set()


def compiled(checkout: Path) -> None:
    """Compiles the bytecode of ``checkout``'s primify, once per run of a benchmark, as pip does
    when it installs a package and as Python does at a package's first import. Where
    PYTHONDONTWRITEBYTECODE is set, as on the machines these figures come from, nothing else
    would, and every timed command compiled primify's sixty modules afresh, which no installed
    primify does."""
    checkout = checkout.resolve()
    if checkout not in _compiled and (checkout / "primify").is_dir():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "primify")], check=True)
        _compiled.add(checkout)


def _timed_convert(
    target: Path,
    output: Path,
    kind: str,
    shapes: int,
    log: Path,
    device_arg: str | None,
    size: int = TARGET_SIDE,
    output_size: int | None = None,
    peer: Path | None = None,
) -> tuple[float, float, bool]:
    """Run one `primify convert` (or, given its binary, primitive) to output; (seconds, peak RSS
    MB, succeeded). Failures print."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)  # never score a picture left by an earlier run
    cmd = (
        primitive_command(peer, target, output, shapes, kind)
        if peer
        else primify_command(target, output, shapes, kind, size, device_arg, output_size)
    )
    seconds, rss, code = run_measured(cmd, log)
    if code != 0:
        print(f"FAILED (exit {code}): {' '.join(cmd)}\n{log.read_text(errors='replace')}", file=sys.stderr, flush=True)
    return seconds, rss, code == 0


def benchmark_run(
    target: Path, kind: str, shapes: int, out_dir: Path, device_arg: str | None, device: str, peer: Path | None = None
) -> dict:
    """One timed run of primify (or, given its binary, primitive) on one target: a results.csv
    row, quality blank if the run failed."""
    tool = "primitive" if peer else "primify"
    name = f"{target.stem}_{kind}_{shapes}" + ("_primitive" if peer else "")
    output = out_dir / "outputs" / f"{name}.png"
    seconds, rss, ok = _timed_convert(
        target, output, kind, shapes, out_dir / "logs" / f"{name}.log", device_arg, peer=peer
    )
    row = {
        "tool": tool,
        "image": target.stem,
        "shape": kind,
        "shapes": shapes,
        "seconds": round(seconds, 3),
        "psnr_db": "",
        "ssim": "",
        "peak_rss_mb": round(rss, 1),
        "device": "cpu" if peer else device,
    }
    if not ok:
        return row
    try:
        out, ref = metrics.load_rgb(output), metrics.load_rgb(target)
        row.update(psnr_db=round(metrics.psnr(out, ref), 4), ssim=round(metrics.ssim(out, ref), 5))
    except (OSError, ValueError) as err:
        print(f"FAILED to score {output}: {err}", file=sys.stderr, flush=True)
    return row


def scaling_run(
    target: Path, kind: str, shapes: int, size: int, out_dir: Path, device_arg: str | None, device: str
) -> dict:
    """Wall time and peak RSS of one primify run at a working size (output size equal to it);
    both blank if the run failed."""
    name = f"{target.stem}_{kind}_{shapes}_at{size}"
    seconds, rss, ok = _timed_convert(
        target,
        out_dir / "scaling" / f"{name}.png",
        kind,
        shapes,
        out_dir / "logs" / f"{name}.log",
        device_arg,
        size,
        size,
    )
    return {
        "image": target.stem,
        "shape": kind,
        "shapes": shapes,
        "size": size,
        "seconds": round(seconds, 3) if ok else "",
        "peak_rss_mb": round(rss, 1) if ok else "",
        "device": device,
    }


def paired(values: list[float], base: list[float]) -> tuple[float, str]:
    """Each round's value over the baseline's of the same round: the median of those ratios, and
    each round's as text. This machine drifts by a tenth from one minute to the next, so a ratio
    of two runs side by side moves less than one of two medians taken apart."""
    ratios = [v / b for v, b in zip(values, base, strict=True)]
    return round(statistics.median(ratios), 3), " ".join(f"{r:.2f}" for r in ratios)


def write_rows(path: Path, rows: list[dict]) -> None:
    """Writes rows (dicts with the same keys, in order) to a CSV at path, header first."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


class CsvLog:
    """A CSV written row by row and flushed, so an interrupted benchmark keeps what it finished."""

    def __init__(self, path: Path, columns: list[str]):
        self._file = open(path, "w", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=columns)
        self._writer.writeheader()

    def add(self, row: dict) -> dict:
        self._writer.writerow(row)
        self._file.flush()
        return row

    def __enter__(self) -> CsvLog:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()


def dense_budget(rows: list[dict], stem: str) -> tuple[int, float] | None:
    """(shapes, seconds) of the primify circle run that sets the dense budget on one image:
    its 2048-circle run, else its circle run with the most shapes; None if it has none."""
    runs = [r for r in rows if r["image"] == stem and r["shape"] == "circle" and r["psnr_db"] != ""]
    if not runs:
        return None
    exact = [r for r in runs if r["shapes"] == 2048]
    best = exact[0] if exact else max(runs, key=lambda r: r["shapes"])
    return best["shapes"], best["seconds"]


def reset_peak_rss() -> None:
    """Reset this process's peak-RSS mark to its current RSS (Linux clear_refs; no-op elsewhere)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """This process's peak RSS in MB since the last reset (VmHWM), else since it started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
