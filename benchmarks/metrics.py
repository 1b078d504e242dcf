"""Image quality metrics on 8-bit RGB arrays, in plain numpy (no scikit-image dependency)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

PEAK = 255.0
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def load_rgb(path: str | Path) -> np.ndarray:
    """Load an image file as an (H, W, 3) uint8 array."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _check_same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB over all pixels and channels: 10*log10(255^2 / MSE), MSE in float64.

    Returns inf for identical images.
    """
    _check_same_shape(a, b)
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10.0 * math.log10(PEAK**2 / mse)


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> np.ndarray:
    """1-D normalised Gaussian; the 2-D SSIM window is its outer product with itself."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    w = np.exp(-(x**2) / (2.0 * sigma**2))
    return w / w.sum()


def _filter_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Separable 2-D correlation of a 2-D array with w⊗w, keeping only the 'valid' region."""
    k = len(w)
    rows = sum(w[i] * x[i : x.shape[0] - k + 1 + i, :] for i in range(k))
    return sum(w[j] * rows[:, j : x.shape[1] - k + 1 + j] for j in range(k))


def _ssim_channel(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    c1 = (SSIM_K1 * PEAK) ** 2
    c2 = (SSIM_K2 * PEAK) ** 2
    mu_a, mu_b = _filter_valid(a, w), _filter_valid(b, w)
    var_a = _filter_valid(a * a, w) - mu_a**2
    var_b = _filter_valid(b * b, w) - mu_b**2
    cov = _filter_valid(a * b, w) - mu_a * mu_b
    num = (2.0 * mu_a * mu_b + c1) * (2.0 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004) of two uint8 (H, W, C) or (H, W) images.

    Gaussian window of size 11 and sigma 1.5, K1=0.01, K2=0.03, L=255, computed per channel on the
    8-bit values and averaged over channels. Uses the valid region only (no padding), as the
    reference MATLAB implementation does, so each side must be at least 11 px.
    """
    _check_same_shape(a, b)
    if min(a.shape[:2]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs both sides >= {SSIM_WINDOW} px, got {a.shape[:2]}")
    a3 = a.reshape(a.shape[0], a.shape[1], -1).astype(np.float64)
    b3 = b.reshape(b.shape[0], b.shape[1], -1).astype(np.float64)
    w = gaussian_window()
    return float(np.mean([_ssim_channel(a3[..., c], b3[..., c], w) for c in range(a3.shape[2])]))
