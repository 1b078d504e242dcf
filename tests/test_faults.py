"""Faults: numerical blow-ups, interruption, repeatability and what the SVG may contain."""

import resource
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import torch
from typer.testing import CliRunner

import primify
import primify.api
import primify.fit.group
from primify import cli

FAST = ["--size", "24", "-n", "6", "-q"]


def test_a_nan_step_is_rolled_back_and_never_reaches_the_output(picture, fast, gen, monkeypatch):
    real = primify.fit.group.soft_coverage
    calls = []

    def sometimes_nan(sd, temperature, edge="sigmoid"):
        calls.append(1)
        out = real(sd, temperature, edge)
        return out * float("nan") if len(calls) % 7 == 3 else out

    monkeypatch.setattr(primify.fit.group, "soft_coverage", sometimes_nan)
    scene = primify.convert(picture, fast, generator=gen)
    assert len(scene.shapes) == fast.shapes
    values = [v for s in scene.shapes for v in (*s.params, *s.colour, s.alpha)]
    assert all(torch.isfinite(torch.tensor(values)))
    assert torch.isfinite(scene.render_tensor()).all()


def test_stop_keeps_the_shapes_placed_so_far(picture, fast, gen):
    seen = []
    scene = primify.convert(picture, fast, generator=gen, progress=seen.append, stop=lambda: len(seen) >= 2)
    assert 0 < len(scene.shapes) < fast.shapes


def test_a_stop_that_says_so_once_is_heard_by_every_stage(picture, fast, gen):
    # It was asked again after answering True, and a stop that says so once (a flag it clears)
    # was not heard by the stages after the first.
    seen, asked = [], []

    def once() -> bool:
        asked.append(len(seen))
        return asked.count(2) == 1 and len(seen) == 2

    scene = primify.convert(picture, fast, generator=gen, progress=seen.append, stop=once)
    assert asked[-1] == 2 and asked.count(2) == 1
    assert len(seen) == 2 and 0 < len(scene.shapes) < fast.shapes


def test_same_input_options_and_seed_give_identical_files(tmp_path, picture):
    picture.save(tmp_path / "in.png")
    for run in ("a", "b"):
        result = CliRunner().invoke(
            cli.app,
            [
                "convert",
                str(tmp_path / "in.png"),
                *FAST,
                "--seed",
                "3",
                "-o",
                str(tmp_path / f"{run}.png"),
                "-o",
                str(tmp_path / f"{run}.svg"),
            ],
        )
        assert result.exit_code == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_svg_has_no_scripts_links_or_input_text(tmp_path, picture):
    name = tmp_path / "<script>alert(1)<script>.png"
    picture.save(name)
    result = CliRunner().invoke(cli.app, ["convert", str(name), *FAST, "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 0
    svg = next((tmp_path / "o").glob("*.svg")).read_text()
    assert "script" not in svg and "alert" not in svg
    for el in ET.fromstring(svg).iter():
        assert not any(k.endswith("href") for k in el.attrib)


def test_out_of_memory_on_an_accelerator_warns_and_finishes_on_the_cpu(picture, fast, monkeypatch):
    real, devices = primify.api.fit, []

    def fit(target, *args):
        devices.append(target.device.type)
        if target.device.type != "cpu":
            raise torch.OutOfMemoryError("pretend the GPU is full")
        return real(target, *args)

    monkeypatch.setattr(primify.api, "fit", fit)
    # "meta" stands in for a GPU, which convert refuses as a device it cannot compute on.
    monkeypatch.setattr(primify.api, "pick_device", torch.device)
    with pytest.warns(RuntimeWarning, match="out of memory on meta; starting again on the CPU"):
        scene = primify.convert(picture, fast, device="meta")
    assert devices == ["meta", "cpu"]
    assert len(scene.shapes) == fast.shapes


def test_render_out_of_memory_while_blurring_is_one_line(tmp_path, picture):
    # torch says it is out of memory with a RuntimeError, which came through as a traceback.
    picture.save(tmp_path / "p.png")
    assert (
        CliRunner()
        .invoke(cli.app, ["convert", str(tmp_path / "p.png"), *FAST, "-o", str(tmp_path / "s.json")])
        .exit_code
        == 0
    )
    limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (5 << 30, 5 << 30))  # noqa: E731
    big = ["--blur", "2", "--output-size", "40000", "--max-pixels", "2000000000", "-o", tmp_path / "big.png"]
    done = subprocess.run(
        [sys.executable, "-m", "primify", "render", tmp_path / "s.json", *map(str, big)],
        capture_output=True, text=True, preexec_fn=limit, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1 and done.stderr == f"error: cannot write '{tmp_path / 'big.png'}': out of memory\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.png", "s.json"]
