"""Every kind of file a batch over a photo folder meets: clean success or one clear error."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from primify import cli
from primify.batch import reading

FAST = ["--size", "24", "-n", "4", "-q"]


def convert(*args):
    return CliRunner().invoke(cli.app, ["convert", *map(str, args), *FAST])


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def photo_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 80, 3), dtype=np.uint8)).save(buf, fmt)
    return buf.getvalue()


BAD = {
    "missing.jpg": (None, "no such file"),
    "folder.jpg": ("folder", "it is a folder with no images in it"),
    "empty.jpg": (b"", "it is an empty file"),
    # Pillow's own words were "Truncated File Read" for one and "image file is truncated (...)".
    "truncated.jpg": (photo_bytes("JPEG")[:300], "it is truncated: the file ends before the picture does"),
    "truncated.png": (photo_bytes("PNG")[:400], "it is truncated: the file ends before the picture does"),
    "header.jpg": (photo_bytes("JPEG")[:200], "it is truncated: the file ends before the picture does"),
    # Pillow's WebP decoder said only "could not create decoder object".
    "truncated.webp": (photo_bytes("WEBP")[:400], "it is damaged or truncated: the WebP decoder cannot read it"),
    "text.jpg": (b"hello, I am not a picture\n" * 10, "not an image that Pillow can read"),
    "noise.png": (np.random.default_rng(1).bytes(2000), "not an image that Pillow can read"),
    "bomb.png": (
        png_declaring(100_000, 100_000),
        "over the limit of 178,956,970 (if the file is trusted, raise the limit: --max-pixels",
    ),
}


def test_a_float_tiff_out_of_range_says_so_in_words_for_a_file(tmp_path):
    # It said "a float array holds values in [0, 1]", an array's words for a file.
    Image.fromarray(np.linspace(2, 190, 48 * 64, dtype=np.float32).reshape(48, 64)).save(tmp_path / "f.tif")
    result = CliRunner().invoke(cli.app, ["convert", str(tmp_path / "f.tif"), *FAST, "--out-dir", str(tmp_path)])
    said = "float pixel values must lie in [0, 1] (1 is white); these span [2, 190]"
    assert result.exit_code == 1 and result.stderr == f"error: cannot read '{tmp_path / 'f.tif'}': {said}\n"


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_fails_cleanly_naming_the_file(tmp_path, name):
    content, reason = BAD[name]
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.app, ["convert", str(path), *FAST, "--out-dir", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot read '{path}': ")
    assert reason in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_fails_cleanly(tmp_path):
    path = tmp_path / "secret.png"
    path.write_bytes(photo_bytes("PNG"))
    path.chmod(0)
    result = convert(path, "--out-dir", tmp_path)
    assert result.exit_code == 1 and "permission denied" in result.stderr


def test_unreadable_file_fails_cleanly_even_for_root(tmp_path, monkeypatch):
    """Root reads any file, so the refusal the kernel would give anyone else is staged here."""
    path = tmp_path / "secret.png"
    path.write_bytes(photo_bytes("PNG"))

    def refuse(p, *args, **kw):
        if p == path:
            raise PermissionError(13, "Permission denied")
        return open(p, *args, **kw)

    monkeypatch.setattr(reading, "open", refuse, raising=False)  # what the batch reads files with
    out = tmp_path / "out"
    result = convert(path, "--out-dir", out)
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot read '{path}': permission denied\n"
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_an_input_larger_than_any_picture_of_max_pixels_is_refused_having_read_no_more(tmp_path, source):
    # A 2 GB file was read whole, and /dev/zero until the kernel killed primify at 23 GB.
    path = tmp_path / "huge.png"
    with open(path, "wb") as f:
        f.truncate(2**25)  # sparse: 32 MiB, over 8 bytes a pixel of 100 pixels and 16 MiB to spare
    command = [sys.executable, "-m", "primify", "convert", "-" if source == "stdin" else str(path), *FAST]
    with open("/dev/zero" if source == "stdin" else os.devnull, "rb") as stdin:
        done = subprocess.run(
            [*command, "--max-pixels", "100", "-o", str(tmp_path / "out.png")],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
    name = "<stdin>" if source == "stdin" else str(path)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: cannot read '{name}': it is over 16,778,016 bytes, more than a picture within --max-pixels takes\n"
    )


def test_bad_files_do_not_stop_the_good_ones(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(photo_bytes("PNG"))
    (tmp_path / "bad.jpg").write_bytes(b"nope")
    result = convert(tmp_path / "bad.jpg", good, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.primify.png", "good.primify.svg"]


def make(mode_case: str, path: Path) -> Path:
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    base = Image.fromarray(rgb)
    if mode_case == "L":
        base.convert("L").save(path)
    elif mode_case == "P":
        base.convert("P").save(path)
    elif mode_case == "P-transparent":
        p = base.convert("P")
        p.info["transparency"] = 0
        p.save(path, transparency=0)
    elif mode_case in ("LA", "RGBA"):
        base.convert(mode_case).save(path)
    elif mode_case == "16-bit":
        Image.fromarray((rng.integers(0, 65535, (30, 40))).astype(np.uint16)).save(path)
    elif mode_case == "CMYK":
        base.convert("CMYK").save(path, "JPEG")
    elif mode_case in ("WEBP", "TIFF"):
        base.save(path, mode_case)
    elif mode_case == "1x1":
        Image.new("RGB", (1, 1), (200, 10, 10)).save(path)
    elif mode_case == "strip":
        Image.new("RGB", (3, 5000), (10, 200, 10)).save(path)
    return path


WORKS = {
    "L": "l.png",
    "P": "p.png",
    "P-transparent": "pt.png",
    "LA": "la.png",
    "RGBA": "rgba.png",
    "16-bit": "deep.png",
    "CMYK": "cmyk.jpg",
    "WEBP": "w.webp",
    "TIFF": "t.tiff",
    "1x1": "dot.png",
    "strip": "strip.png",
}


@pytest.mark.parametrize("case", list(WORKS))
def test_every_common_mode_and_odd_size_converts(tmp_path, case):
    path = make(case, tmp_path / WORKS[case])
    result = convert(path, "-o", tmp_path / "out.png", "-o", tmp_path / "out.svg")
    assert result.exit_code == 0, result.output
    # The longer side is the input's; the other follows the working canvas, which is a whole
    # number of pixels, so a 3×5000 strip comes back as a strip, not exactly 3 wide.
    src, out = Image.open(path).size, Image.open(tmp_path / "out.png").size
    assert max(out) == max(src)
    assert (out[0] >= out[1]) == (src[0] >= src[1])


def test_16_bit_input_keeps_its_brightness(tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((20, 20), 32768, np.uint16)).save(path)
    assert convert(path, "-o", tmp_path / "o.png").exit_code == 0
    assert abs(np.asarray(Image.open(tmp_path / "o.png")).mean() - 128) < 3


def test_exif_orientation_gives_an_upright_result(tmp_path):
    a = np.zeros((20, 40, 3), np.uint8)
    a[:, :20] = (250, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90° clockwise: portrait, red on top
    path = tmp_path / "turned.jpg"
    Image.fromarray(a).save(path, exif=exif)
    assert convert(path, "-o", tmp_path / "o.png").exit_code == 0
    out = np.asarray(Image.open(tmp_path / "o.png")).astype(int)
    assert out.shape[:2] == (40, 20)
    assert out[:15, :, 0].mean() > 150 > out[25:, :, 0].mean()


def test_animated_gif_uses_the_first_frame_and_says_so(tmp_path):
    frames = [Image.new("RGB", (20, 20), c) for c in ((250, 0, 0), (0, 0, 250))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    result = CliRunner().invoke(
        cli.app, ["convert", str(path), "--size", "24", "-n", "4", "-o", str(tmp_path / "o.png")]
    )
    assert result.exit_code == 0
    assert "anim.gif: note: animated, using the first of 2 frames" in result.stderr
    assert np.asarray(Image.open(tmp_path / "o.png"))[..., 0].mean() > 200


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux's /proc")
def test_a_file_that_says_it_is_empty_and_is_not_is_read(tmp_path):
    # /proc's files give 0 as their size: this one was "an empty file".
    result = convert("/proc/self/status", "-o", tmp_path / "o.png")
    assert result.exit_code == 1
    assert result.stderr == "error: cannot read '/proc/self/status': not an image that Pillow can read\n"


def test_pillows_warning_of_damaged_exif_data_is_the_pictures_warning(tmp_path):
    # Pillow's own UserWarning, with its source line, came through -q, naming no file.
    path = tmp_path / "exif.jpg"
    Image.new("RGB", (32, 24), (200, 40, 40)).save(path, exif=b"Exif\x00\x00II*\x00\xff\xff\xff\xff")
    result = convert(path, "--json", "-o", tmp_path / "o.png")
    said = "Corrupt EXIF data. Expecting to read 2 bytes but only got 0."
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["warnings"] == [said]


def test_transparent_pixels_do_not_turn_black(tmp_path):
    a = np.zeros((20, 40, 4), np.uint8)
    a[:, :20] = (40, 160, 220, 255)  # the right half is transparent black
    path = tmp_path / "cutout.png"
    Image.fromarray(a, "RGBA").save(path)
    assert convert(path, "-o", tmp_path / "o.png").exit_code == 0
    out = np.asarray(Image.open(tmp_path / "o.png")).astype(int)
    assert out[:, 25:].mean() > 60


@pytest.mark.parametrize(
    "args, message",
    [
        (["-n", "-5"], "Invalid value for '--shapes'"),
        (["--out-dir", "{file}/sub"], "cannot write to folder"),
    ],
)
def test_more_bad_options_are_usage_errors(tmp_path, args, message):
    path = make("P", tmp_path / "p.png")
    result = CliRunner().invoke(cli.app, ["convert", str(path), *[a.format(file=path) for a in args]])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.replace("│", " ").split())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory Linux keeps in /proc")
def test_a_huge_photo_is_resized_not_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.jpg"
    Image.new("RGB", (12000, 9000), (120, 80, 40)).save(path, quality=50)
    args = ["convert", str(path), *FAST, "--output-size", "64", "-o", str(tmp_path / "o.png")]
    # The child reports its own high-water mark as it ends (a rusage figure would start at this
    # process's): the command line ends with os._exit, so the report goes in just before it.
    report = (
        "import os, runpy, sys\nend = os._exit\n"
        "os._exit = lambda code: (print(open('/proc/self/status').read(), file=sys.stderr, flush=True), end(code))\n"
        "runpy.run_module('primify', run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", report, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "o.png").size == (64, 48)
    peak_mb = int(next(line for line in done.stderr.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
    # Decoded at an eighth of its size: far below the 324 MB its pixels take in full.
    assert peak_mb < 700


def test_a_bomb_among_pictures_in_a_folder_or_named_with_them_is_one_line(tmp_path):
    # Asking each file whether primify wrote it read its header under Pillow's own limit, which
    # raised (a traceback) or warned (a Python warning) before the file's own turn came.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.png").write_bytes(photo_bytes("PNG"))
    (folder / "bomb.png").write_bytes(png_declaring(20_000, 20_000))
    (folder / "big.png").write_bytes(png_declaring(10_000, 10_000))
    for i, args in enumerate([[folder], [folder / "a.png", folder / "bomb.png", folder / "big.png"]]):
        result = CliRunner().invoke(cli.app, ["convert", *map(str, args), *FAST, "--out-dir", str(tmp_path / str(i))])
        assert result.exit_code == 1 and "Traceback" not in result.output and "Warning" not in result.output
        assert f"error: cannot read '{folder / 'bomb.png'}': it declares 20000×20000" in result.stderr
        assert (tmp_path / str(i) / "a.primify.png").exists()
