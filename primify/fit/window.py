"""Windows of the canvas that active shapes are rendered in, so that a step costs what the
shapes touch rather than the whole picture."""

from dataclasses import dataclass

import torch

#: How far beyond the canvas a window that meets its edge lets shapes go, as a fraction of its
#: longer side: a shape that reaches far out acts as a half-plane (a circle as a gentle curve)
#: inside. A quarter rather than a twentieth scored 0.5 dB more at 20 circles, 0.1 more at 8
#: and 50 triangles, 0.05 at 100 and level at 20 and 500 (rectangles -0.03) in trials.
MARGIN = 0.25


@dataclass
class Windows:
    """K windows of one size Y×X on an H×W canvas whose longer side is ``scale`` pixels.

    rows (K, Y) and cols (K, X) index the canvas; x (K, 1, X) and y (K, Y, 1) are the pixel
    centres in normalized units; lo and hi (K, 2) bound where a shape may go: the window, or
    up to ``MARGIN`` beyond it where the window meets the canvas edge, since nothing is drawn there.
    """

    rows: torch.Tensor
    cols: torch.Tensor
    x: torch.Tensor
    y: torch.Tensor
    lo: torch.Tensor
    hi: torch.Tensor
    scale: int

    def gather(self, img: torch.Tensor) -> torch.Tensor:
        """The windows of ``img`` (C, H, W) as (K, C, Y, X)."""
        if len(self.rows) == 1:
            # One window is a plain slice: far cheaper than gathering, and it is the common
            # case when shapes are frozen one by one.
            r, c = int(self.rows[0, 0]), int(self.cols[0, 0])
            return img[None, :, r : r + self.rows.shape[1], c : c + self.cols.shape[1]]
        # Every window of the size, as a view, picked at the windows' corners: a contiguous copy,
        # several times faster than indexing each pixel.
        every = img.unfold(1, self.rows.shape[1], 1).unfold(2, self.cols.shape[1], 1)
        return every.permute(1, 2, 0, 3, 4)[self.rows[:, 0], self.cols[:, 0]]

    def select(self, idx: torch.Tensor) -> "Windows":
        """The windows at ``idx``."""
        return Windows(self.rows[idx], self.cols[idx], self.x[idx], self.y[idx], self.lo[idx], self.hi[idx], self.scale)


def around(centres: torch.Tensor, half: float, height: int, width: int) -> Windows:
    """Windows about 2·``half`` pixels across around ``centres`` (K, 2) in pixels, moved inside
    the canvas and cut to its size."""
    scale = max(height, width)
    dev = centres.device
    size = [min(n, int(2 * half) + 2) for n in (width, height)]
    origin = [(centres[:, i] - size[i] / 2).round().long().clamp(0, n - size[i]) for i, n in enumerate((width, height))]
    cols = origin[0][:, None] + torch.arange(size[0], device=dev)
    rows = origin[1][:, None] + torch.arange(size[1], device=dev)
    lo = torch.stack(origin, dim=1).float()
    hi = lo + torch.tensor(size, device=dev, dtype=torch.float32)
    margin = MARGIN * scale
    lo = torch.where(lo <= 0, -margin, lo)
    hi = torch.where(hi >= torch.tensor([width, height], device=dev), hi + margin, hi)
    return Windows(
        rows,
        cols,
        ((cols.float() + 0.5) / scale)[:, None, :],
        ((rows.float() + 0.5) / scale)[:, :, None],
        lo / scale,
        hi / scale,
        scale,
    )
