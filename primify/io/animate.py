"""Animations of a scene being built: its shapes added in painter's order, ``every`` at a time."""

import math
from collections.abc import Iterator

from PIL import Image

from .. import checks
from ..model import Scene
from ..render.blur import pictures
from ..render.hard import SUPERSAMPLE, blank, flatten, paint, to_image
from ..render.sizes import stretch

#: Frames a GIF gets when no ``every`` is given.
GIF_FRAMES = 50
#: Milliseconds each GIF frame shows, and the last one, which holds the finished picture.
FRAME_MS, LAST_MS = 80, 2000


def default_every(scene: Scene, frames: int = GIF_FRAMES) -> int:
    """Shapes per frame that give about ``frames`` frames."""
    return max(1, math.ceil(len(scene.shapes) / frames))


def frames(scene: Scene, every: int, size: tuple[int, int] | None = None, blur: float = 0) -> Iterator[Image.Image]:
    """The picture after every ``every`` shapes, and after the last: ceil(N / every) frames
    (one, of the bare background, for a scene without shapes). Rendered at ``size`` (width,
    height; default: the working size), painting each shape once; blurred by ``blur``
    working-size pixels as ``render`` blurs (``blur.pictures``)."""
    w, h = size or scene.size_for()
    if blur:
        # Ignored, a blur left a placeholder's animation sharp. The last frame is the PNG's picture.
        blur = checks.real(0, max(scene.width, scene.height))("blur", blur)
        yield from pictures(
            scene, w, h, SUPERSAMPLE, blur, [*range(every, len(scene.shapes), every), len(scene.shapes)]
        )
        return
    canvas = blank(scene.background, h, w)
    for i, shape in enumerate(scene.shapes, 1):
        paint(canvas, shape, scale=stretch(scene, w, h))
        if i % every == 0 or i == len(scene.shapes):
            yield to_image(canvas)
    if not scene.shapes:
        yield to_image(canvas)


def save_gif(
    scene: Scene, file, every: int, size: tuple[int, int] | None = None, comment: str = "", blur: float = 0
) -> None:
    """Writes the frames, at ``size`` and blurred by ``blur``, as a looping GIF to ``file`` (a
    path or binary file)."""
    # A GIF's transparency is all or nothing, so a transparent scene is laid over white.
    images = (flatten(im) for im in frames(scene, every, size, blur))
    count = max(1, math.ceil(len(scene.shapes) / every))
    durations = [FRAME_MS] * (count - 1) + [LAST_MS]
    # Pillow folds a frame identical to the one before into it, keeping the timing. It takes the
    # frames one at a time and keeps each with a byte a pixel: a list of them here would hold
    # three more.
    next(images).save(
        file,
        "GIF",
        save_all=True,
        append_images=images,
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
        comment=comment,
    )
