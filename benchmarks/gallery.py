"""One picture rebuilt with every shape kind at the same count, as a labelled grid, so that
users can choose a kind by eye; also prints the SVG's size against the shape count.

    python benchmarks/gallery.py [--image samples/chelsea.jpg] [--shapes 100] [--out benchmarks/results]
"""

import argparse
import sys
import time
from pathlib import Path

import torch
from PIL import Image, ImageDraw

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import primify  # noqa: E402
from primify.api import psnr_of  # noqa: E402
from primify.io.picture import load, working  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--image", type=Path, default=REPO_ROOT / "samples" / "chelsea.jpg")
    p.add_argument("--shapes", type=int, default=100)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)
    picture = working(load(args.image, 256).image, 256)
    tiles = [("original", picture)]
    for kind in primify.KINDS:
        start = time.perf_counter()
        scene = primify.convert(picture, shapes=args.shapes, kinds=(kind,), generator=torch.Generator().manual_seed(0))
        seconds = time.perf_counter() - start
        tiles.append((f"{kind}: {psnr_of(scene, picture):.1f} dB", scene.render()))
        print(f"{kind}: {psnr_of(scene, picture):.2f} dB, {seconds:.1f} s")
    w, h = picture.size
    cols = 5
    grid = Image.new("RGB", (cols * w, -(-len(tiles) // cols) * (h + 18)), "white")
    draw = ImageDraw.Draw(grid)
    for i, (label, tile) in enumerate(tiles):
        x, y = i % cols * w, i // cols * (h + 18)
        grid.paste(tile, (x, y))
        draw.text((x + 4, y + h + 3), label, fill="black")
    args.out.mkdir(parents=True, exist_ok=True)
    grid.save(args.out / "gallery.jpg", quality=88)
    # The --mask demonstration: a white disc over the face puts the detail there.
    mask = Image.new("L", picture.size, 0)
    ImageDraw.Draw(mask).ellipse((w * 0.2, h * 0.1, w * 0.8, h * 0.95), fill=255)
    pair = [
        primify.convert(picture, shapes=args.shapes, mask=m, generator=torch.Generator().manual_seed(0)).render()
        for m in (None, mask)
    ]
    demo = Image.new("RGB", (3 * w, h + 18), "white")
    for i, (label, tile) in enumerate(
        [("mask", mask.convert("RGB")), ("without --mask", pair[0]), ("with --mask", pair[1])]
    ):
        demo.paste(tile, (i * w, 0))
        ImageDraw.Draw(demo).text((i * w + 4, h + 3), label, fill="black")
    demo.save(args.out / "mask.jpg", quality=88)
    print("SVG bytes by shape count (triangles):")
    for n in (8, 16, 64, 256):
        scene = primify.convert(picture, shapes=n, generator=torch.Generator().manual_seed(0))
        print(
            f"  {n}: {len(primify.to_svg(scene, precision=1).encode())} bytes at --precision 1, "
            f"{len(primify.to_svg(scene, precision=1, blur=12).encode())} with --blur 12"
        )


if __name__ == "__main__":
    main()
