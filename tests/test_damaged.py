"""Damaged files of every format primify reads, run as one batch the way a user runs it: each
input ends in one JSON line, none stops the batch, and nothing half-written is left behind."""

import io
import json
import random
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image

#: (format, extension, save options) of every format a batch over a photo folder meets.
FORMATS = [
    ("PNG", "png", {}),
    ("JPEG", "jpg", {"quality": 80}),
    ("GIF", "gif", {}),
    ("WEBP", "webp", {"quality": 80}),
    ("TIFF", "tif", {"compression": "tiff_deflate"}),
    ("BMP", "bmp", {}),
]


def originals() -> dict[str, bytes]:
    """One small real picture encoded in each format."""
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
    a[4:16, 6:20] = (200, 40, 90)
    out = {}
    for fmt, ext, options in FORMATS:
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, fmt, **options)
        out[ext] = buf.getvalue()
    return out


def chunks(png: bytes) -> list[int]:
    """Offsets of a PNG's chunks (their length fields)."""
    pos, out = 8, []
    while pos + 8 <= len(png):
        out.append(pos)
        pos += 12 + struct.unpack(">I", png[pos : pos + 4])[0]
    return out


def mutants(per_format: int = 10, seed: int = 0):
    """(name, bytes) of deterministic mutations: bit flips, truncations, corrupted lengths (for
    PNG, a chunk's; a shorter IDAT makes Pillow raise SyntaxError while decoding), single bytes
    changed in the header and zeroed runs."""
    rnd = random.Random(seed)
    for ext, data in originals().items():
        for k in range(per_format):
            b, how = bytearray(data), k % 5
            if how == 0:
                for _ in range(1 + k):
                    i = rnd.randrange(len(b))
                    b[i] ^= 1 << rnd.randrange(8)
            elif how == 1:
                b = b[: rnd.randrange(8, len(b))]
            elif how == 2 and ext == "png":
                pos = rnd.choice(chunks(data))
                n = struct.unpack(">I", data[pos : pos + 4])[0]
                b[pos : pos + 4] = struct.pack(">I", rnd.choice([max(0, n - 50), n // 2, 0x7FFFFFFF, 0xFFFFFFFF]))
            elif how == 2:
                i = rnd.randrange(4, min(64, len(b)))
                b[i : i + 4] = b"\xff\xff\xff\xff"
            elif how == 3:
                b[rnd.randrange(min(40, len(b)))] = rnd.randrange(256)
            else:
                i = rnd.randrange(len(b))
                b[i : i + 16] = bytes(16)
            yield f"{ext}_{k:02d}.{ext}", bytes(b)
    # The mutation the batch was first seen to stop on: an IDAT shorter than its data.
    png = originals()["png"]
    idat = next(p for p in chunks(png) if png[p + 4 : p + 8] == b"IDAT")
    b = bytearray(png)
    b[idat : idat + 4] = struct.pack(">I", struct.unpack(">I", png[idat : idat + 4])[0] - 50)
    yield "png_short_idat.png", bytes(b)


def test_a_batch_of_damaged_files_of_every_format_ends_in_one_line_each(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    names = []
    for name, data in mutants():
        (src / name).write_bytes(data)
        names.append(name)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "primify",
            "convert",
            str(src),
            "--json",
            "-n",
            "4",
            "--size",
            "32",
            "--out-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr[-3000:]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(Path(r["input"]).name for r in records) == sorted(names)
    written = set()
    for r in records:
        assert r["status"] in ("ok", "error"), r
        assert (r["error"] is None) == (r["status"] == "ok"), r
        if r["status"] == "error":
            assert r["error"].startswith(f"cannot read '{r['input']}': ") and "\n" not in r["error"], r
        written.update(r["outputs"])
    assert sum(r["status"] == "ok" for r in records) >= 10  # enough mutants still decode to check what is written
    assert {str(p) for p in out.rglob("*") if p.is_file()} == written  # no partial, temporary or stray file
    for path in map(Path, written):
        if path.suffix == ".svg":
            assert ET.parse(path).getroot().tag.endswith("svg")
        else:
            with Image.open(path) as im:
                im.load()
