import numpy as np
import pytest
import torch
from PIL import Image

from primify import Settings


@pytest.fixture
def picture() -> Image.Image:
    """A small synthetic picture with flat regions, a gradient and hard edges (48×36)."""
    y, x = np.mgrid[0:36, 0:48]
    a = np.zeros((36, 48, 3), np.uint8)
    a[..., 0] = 40 + 4 * x
    a[..., 1] = 60 + 3 * y
    a[..., 2] = 120
    a[8:24, 10:26] = (230, 200, 40)
    a[((x - 34) ** 2 + (y - 20) ** 2) < 64] = (20, 30, 160)
    return Image.fromarray(a)


@pytest.fixture
def photo(tmp_path, picture):
    """``picture`` saved as ``photo.jpg`` in a temporary folder."""
    path = tmp_path / "photo.jpg"
    picture.save(path)
    return path


@pytest.fixture
def fast() -> Settings:
    """Settings for quick fits in tests: a small working size, few steps and candidates."""
    return Settings(shapes=24, size=48, steps=12, candidates=4, polish_steps=10, few_shapes=0)


@pytest.fixture
def gen() -> torch.Generator:
    return torch.Generator().manual_seed(0)
