"""Palettes: a few colours chosen from the picture, and the best of them for a shape."""

import torch


def kmeans(pixels: torch.Tensor, n: int, gen: torch.Generator, iterations: int = 20) -> torch.Tensor:
    """``n`` colours that summarize ``pixels`` (M, 3): k-means with k-means++ seeding.

    Returns (n, 3) in [0, 1], fewer when the picture has fewer distinct colours.
    """
    pixels = pixels.cpu()
    if len(pixels) > 20000:
        pixels = pixels[torch.randperm(len(pixels), generator=gen, device="cpu")[:20000]]
    centres = pixels[torch.randint(len(pixels), (1,), generator=gen, device="cpu")]
    while len(centres) < n:
        d = torch.cdist(pixels, centres).amin(dim=1) ** 2
        if d.sum() <= 0:
            break
        centres = torch.cat([centres, pixels[torch.multinomial(d / d.sum(), 1, generator=gen)]])
    for _ in range(iterations):
        nearest = torch.cdist(pixels, centres).argmin(dim=1)
        for j in range(len(centres)):
            members = pixels[nearest == j]
            if len(members):
                centres[j] = members.mean(dim=0)
    # Two seeds in one colour's pixels can end as that colour twice: a palette place wasted.
    same = (centres[:, None] - centres[None]).abs().amax(dim=2) < 0.5 / 255
    return centres[~same.tril(-1).any(dim=1)]


def best_of(
    palette: torch.Tensor,
    canvas: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor,
    coverage: torch.Tensor,
    alpha: torch.Tensor,
) -> torch.Tensor:
    """For each of K shapes over its own window, the palette colour (of P) that leaves the least
    weighted squared error: the palette's version of ``raster.best_colour``.

    palette (P, 3); canvas, target (K, C, Y, X); weight (K, 1 or 3, Y, X); coverage (K, Y, X);
    alpha (K,). Returns (K, 3). The error of colour c is, per channel and up to a constant,
    c² Σwu² + 2c Σwu(B - T - uB), so all P are scored at the cost of three sums.
    """
    # As in ``best_colour``: a premultiplied canvas's alpha does not depend on the colour.
    canvas, target = canvas[:, :3], target[:, :3]
    u = (alpha[:, None, None] * coverage)[:, None]
    s2 = (weight * u * u).sum(dim=(2, 3)).expand(-1, canvas.shape[1])
    s1 = (weight * u * (canvas - target - u * canvas)).sum(dim=(2, 3))
    cost = (palette**2) @ s2.T + 2 * palette @ s1.T  # (P, K)
    return palette[cost.argmin(dim=0)]
