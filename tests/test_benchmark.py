"""The benchmark harness: its protocol, its metrics and the dense baseline's renderer."""

import csv
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageCms

# benchmarks/ is not an installed package; import it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import dense, harness, jobs, metrics, report, run  # noqa: E402


def synthetic_image(path: Path) -> Path:
    """A 40x30 gradient with a red square: small, but with edges and colour."""
    y, x = np.mgrid[0:30, 0:40]
    pixels = np.stack([x * 6, y * 8, np.full_like(x, 90)], axis=-1).astype(np.uint8)
    pixels[8:20, 10:22] = (250, 30, 30)
    Image.fromarray(pixels).save(path)
    return path


def test_run_writes_protocol_results(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    synthetic_image(images / "synth.png")
    out = tmp_path / "out"

    assert (
        run.main(
            [
                "--images",
                str(images),
                "--shapes",
                "8",
                "--shape",
                "circle",
                "--out",
                str(out),
                "--no-dense",
                "--peer",
                "anchors",
            ]
        )
        == 0
    )

    with open(out / "results.csv", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == [
        "tool",
        "image",
        "shape",
        "shapes",
        "seconds",
        "psnr_db",
        "ssim",
        "peak_rss_mb",
        "device",
    ]
    assert [(r["tool"], r["image"], r["shape"], r["shapes"], r["device"]) for r in rows] == [
        ("primify", "synth", "circle", "8", "cpu")
    ]
    target = np.asarray(Image.open(out / "targets" / "synth.png"))
    output = np.asarray(Image.open(out / "outputs" / "synth_circle_8.png").convert("RGB"))
    assert target.shape == (192, 256, 3)  # longer side 256, short side round(256 * 30 / 40)
    mse = ((output.astype(np.float64) - target.astype(np.float64)) ** 2).mean()
    assert float(rows[0]["psnr_db"]) == pytest.approx(10 * math.log10(255**2 / mse), abs=1e-3)
    assert float(rows[0]["seconds"]) > 0 and float(rows[0]["peak_rss_mb"]) > 0
    assert (out / "results.md").read_text().startswith("# primify benchmark")
    assert (out / "quality_vs_time.png").exists()


PRIMITIVE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "primify-peers" / "primitive"


@pytest.mark.skipif(
    not os.access(PRIMITIVE, os.X_OK) or not (harness.PEERS / "build-primitive.sh").exists(),
    reason="primitive is not built, or ../shared/peers is not beside this checkout",
)
def test_primitive_runs_live_in_turn_and_the_report_uses_its_rows(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    synthetic_image(images / "synth.png")
    out = tmp_path / "out"
    assert (
        run.main(
            [
                *("--images", str(images), "--shapes", "8", "--shape", "triangle", "--out", str(out), "--no-dense"),
                *("--repeats", "2"),
            ]
        )
        == 0
    )
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["tool"] for r in rows] == ["primify", "primitive", "primify", "primitive"]
    assert all(float(r["psnr_db"]) > 15 for r in rows)
    text = (out / "results.md").read_text()
    assert "primitive's runs in this benchmark" in text and "ran up to 2 times by each tool" in text


def test_the_report_takes_the_median_seconds_and_mean_psnr_of_repeated_runs(tmp_path):
    fields = ["tool", "image", "shape", "shapes", "seconds", "psnr_db", "ssim", "peak_rss_mb", "device"]
    runs = [
        ("primify", "a", "1.0", "20.0"),
        ("primitive", "a", "2.0", "18.0"),
        ("primify", "a", "9.0", "20.0"),
        ("primitive", "a", "3.0", "19.0"),
        ("primify", "a", "2.0", "20.0"),
        ("primitive", "a", "4.0", ""),  # a failed run counts for nothing
        ("primify", "b", "5.0", "22.0"),
        ("primitive", "b", "5.0", "20.0"),
    ]
    with open(tmp_path / "results.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(fields)
        out.writerows(
            [tool, image, "triangle", "8", s, psnr, "0.5" if psnr else "", "100", "cpu"]
            for tool, image, s, psnr in runs
        )
    text = report.write(tmp_path)
    # primify: a 20 dB in 2 s (median of 1, 9, 2), b 22 dB in 5 s; primitive: a 18.5 dB in 2.5 s, b 20 dB in 5 s.
    assert "| triangle | 8 | 2 | 21.00 | 19.25 | 1.75 | 3.5 | 3.8 | 0.93 |" in text
    assert "| a | triangle | 8 | 20.00 | 2.0 | 18.50 | 2.5 |" in text
    assert "Failed runs (no output scored): primitive a triangle 8 (1 of 3 runs)." in text


def test_targets_keep_the_pixels_and_drop_the_colour_profile(tmp_path):
    # primify honours a profile and primitive does not; the target is what both fit and are scored on.
    source = tmp_path / "tagged.jpg"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.open(synthetic_image(tmp_path / "plain.png")).save(source, quality=95, icc_profile=srgb)
    target = harness.make_target(source, tmp_path / "targets", side=20)
    with Image.open(target) as made, Image.open(source) as original:
        assert "icc_profile" not in made.info
        expected = original.convert("RGB").resize((20, 15), Image.LANCZOS)
        assert np.array_equal(np.asarray(made), np.asarray(expected))


def test_psnr_of_a_one_level_difference():
    a = np.full((16, 16, 3), 100, np.uint8)
    assert metrics.psnr(a, a + 1) == pytest.approx(20 * math.log10(255), abs=1e-9)  # 48.13 dB
    assert metrics.psnr(a, a) == math.inf


def test_ssim_of_identical_and_of_different_images():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)
    assert metrics.ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    assert metrics.ssim(a, 255 - a) < 0.5


def test_dense_soft_render_matches_sequential_compositing():
    height, width, n = 12, 16, 40
    logits = dense.init_logits(n, seed=1, device="cpu").detach()
    background = torch.tensor([0.2, 0.5, 0.7])
    cx, cy, radius, colour, alpha = dense.decode(logits, width, height)
    ys, xs = torch.meshgrid(torch.arange(height) + 0.5, torch.arange(width) + 0.5, indexing="ij")
    canvas = background.view(3, 1, 1).expand(3, height, width)
    for i in range(n):  # painter's order, one circle at a time
        dist = torch.sqrt((xs - cx[i]) ** 2 + (ys - cy[i]) ** 2)
        cover = alpha[i] * torch.sigmoid((radius[i] - dist) / dense.SOFTNESS_PX)
        canvas = canvas * (1 - cover) + colour[i].view(3, 1, 1) * cover
    assert torch.allclose(dense.render_soft(logits, background, height, width), canvas, atol=1e-5)


def test_dense_hard_render_places_circles_in_pixel_units():
    circles = dense.Circles(
        centre=np.array([[10.0, 8.0], [25.0, 15.0]]),
        radius=np.array([6.0, 4.0]),
        colour=np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
        alpha=np.array([1.0, 0.5]),
    )
    image = dense.hard_render(circles, 32, 24, (1.0, 1.0, 1.0))
    assert image.shape == (24, 32, 3)
    assert tuple(image[8, 10]) == (255, 0, 0)  # inside the opaque red circle
    assert tuple(image[15, 25]) == (128, 128, 255)  # half-transparent blue over white
    assert tuple(image[22, 2]) == (255, 255, 255)  # background


def test_the_table_up_to_a_count_runs_only_its_rows_of_that_many_shapes_or_fewer(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    synthetic_image(images / "synth.png")
    out = tmp_path / "out"
    args = ["--images", str(images), "--table", "--table-up-to", "8", "--peer", "anchors", "--out", str(out)]
    assert run.main([*args, "--no-dense"]) == 0
    with open(out / "results.csv", newline="") as f:
        assert [(r["tool"], r["shape"], r["shapes"]) for r in csv.DictReader(f)] == [("primify", "triangle", "8")]


@pytest.mark.parametrize("option", ["--repeats", "--table-up-to"])
def test_counts_below_one_are_refused_rather_than_running_nothing(option, capsys):
    with pytest.raises(SystemExit) as stopped:
        run.parse_args([option, "0"])
    assert stopped.value.code == 2
    assert f"argument {option}: give a whole number of at least 1, not 0" in capsys.readouterr().err


def test_a_checkout_is_timed_with_its_bytecode_compiled_even_where_python_writes_none(tmp_path, monkeypatch):
    # As pip installs it: where PYTHONDONTWRITEBYTECODE is set, every timed command compiled it.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    (tmp_path / "primify").mkdir()
    (tmp_path / "primify" / "__init__.py").write_text("")
    (tmp_path / "primify" / "shapes.py").write_text("SIDES = 3\n")
    _, _, code = harness.run_measured(
        [sys.executable, "-c", "import primify.shapes"], tmp_path / "run.log", cwd=tmp_path
    )
    assert code == 0
    cached = (tmp_path / "primify" / "__pycache__").iterdir()
    assert sorted(p.name.split(".")[0] for p in cached) == ["__init__", "shapes"]


def test_jobs_pairs_each_round_with_the_baselines_run_of_that_round():
    # Round 2 ran slow for both (the machine drifted): paired, the ratio holds; medians taken apart would not.
    two_threads = [(40.0, 64.0), (60.0, 100.0), (41.0, 66.0)]
    one_thread = [(25.0, 56.0), (37.0, 90.0), (26.0, 57.0)]
    row = jobs.paired(two_threads, one_thread, "2")
    assert row["paired_with"] == "2" and row["cpu_ratio_rounds"] == "1.14 1.11 1.16"
    assert row["cpu_ratio"] == round(64 / 56, 3) and row["seconds_ratio"] == 1.6  # 1.60, 1.62, 1.58
    assert jobs.paired(two_threads, None, "2") == {}
    assert jobs.paired([(20.0, None)], [(10.0, None)], "2")["cpu_ratio"] == ""  # dask's CPU is not counted
