"""What the optimizer makes of the settings: the steps, candidates, reach and temperatures that
the effort and the number of shapes give each stage. Kept apart from ``Settings``, which holds
and checks the values, so that the schedule's rules are read in one place."""

import math

from .checks import EFFORT

#: The shortest side, in pixels, of the shrunk picture that few shapes are searched on. Chosen
#: over 12 and the working size on chelsea squeezed to 256 by 3 to 96 pixels (8 and 20
#: triangles, two seeds): +4.1 to +5.5 dB at 3 px over the rule before it, +0.13 to +0.18 at 48,
#: and from 64 px up the search is as it was.
MIN_SEARCH_SHORT = 16


class Schedule:
    """The derived values of a ``Settings`` (its base class): each reads the fields it names."""

    @property
    def solves_colours(self) -> bool:
        """Whether colours (and a free background) are solved jointly by least squares as the fit
        goes and at its end: below ``few_shapes``, where no palette holds the colours."""
        return self.shapes < self.few_shapes and self.palette is None

    @property
    def boost(self) -> float:
        """How much longer to search for few shapes: 1 from ``few_shapes`` up, 4 at most."""
        return min(4.0, max(1.0, self.few_shapes / self.shapes))

    @property
    def searched(self) -> int:
        """How many shapes are placed on the shrunk picture (see ``search_side``): all of them below
        ``few_shapes``; from there up the first ``few_shapes // 4``, the large ones, whose windows
        at the working size are the whole picture."""
        return self.shapes if self.shapes < self.few_shapes else self.few_shapes // 4

    def search_side(self, height: int, width: int) -> int | None:
        """The longer side, in pixels, that the first ``searched`` shapes are fitted at when it is
        below the target's (``height`` by ``width``); None where they are fitted at the working size."""
        # A PSNR goal is measured at the working size, so it is searched for there.
        if not self.searched or not self.search_scale or self.target_psnr is not None:
            return None
        longer, shorter = max(height, width), min(height, width)
        side = max(64, round(self.search_scale * self.searched**0.5))
        # A thin picture is shrunk no thinner than MIN_SEARCH_SHORT: on a strip a pixel or two
        # across, where rounding also changes its proportions, shapes found there paint another
        # picture at the working size (a 3 by 256 picture ended at its mean colour).
        side = max(side, math.ceil(MIN_SEARCH_SHORT * longer / shorter))
        return side if side < longer else None

    @property
    def regrow_rounds(self) -> int:
        """Rounds of regrowth to run: ``regrow`` at a quarter of ``few_shapes`` and below, else none."""
        return self.regrow if self.shapes * 4 <= self.few_shapes else 0

    @property
    def search_runs(self) -> int:
        """Searches to run (see ``searches``): at a fifth of ``few_shapes`` and below, one at effort fast."""
        return self.searches if self.shapes * 5 <= self.few_shapes and self.effort != "fast" else 1

    @property
    def refine_steps(self) -> int:
        """Adam steps per batch, with the effort and boost (its square root) applied."""
        return max(1, round(self.steps * EFFORT[self.effort][0] * self.boost**0.5))

    def start_alpha(self, channels: int) -> float:
        """The opacity new shapes start from: ``alpha`` where it is fixed, else ``alpha_init``, but
        0.8 at least over nothing (``channels`` 4): there the opaque parts are covered only by paint
        over paint, and from 0.6 a transparent sticker at 24 shapes kept ground showing through."""
        if self.alpha is not None:
            return self.alpha
        return self.alpha_init if channels == 3 else max(self.alpha_init, 0.8)

    @property
    def refine_rate(self) -> float:
        """``lr_geometry`` over the square root of the boost: a boosted search takes that many times
        more steps (``refine_steps``), and smaller ones fit few shapes better (at 8 triangles the
        full rate lost 0.14 dB in trials)."""
        return self.lr_geometry / self.boost**0.5

    @property
    def batch_limits(self) -> tuple[int, float]:
        """``max_batch`` and ``batch_growth``, with the effort applied."""
        grow = EFFORT[self.effort][3]
        return round(self.max_batch * grow), self.batch_growth * grow

    @property
    def tries(self) -> int:
        """Candidates per shape, with the effort and boost applied."""
        return max(1, round(self.candidates * EFFORT[self.effort][1] * self.boost))

    @property
    def polish_rounds(self) -> int:
        """How many times the final joint refinement runs, each from a soft start (the effort's)."""
        return EFFORT[self.effort][4]

    @property
    def polish_base(self) -> int:
        """``polish_steps``, or where it is None the steps its schedule gives for this many shapes."""
        return self.polish_steps if self.polish_steps is not None else max(50, min(150, 15000 // self.shapes))

    @property
    def finish_steps(self) -> int:
        """Below ``few_shapes``, the steps of the last polish, at the working size after the search
        on the shrunk picture: twice ``polish_base`` over the boost, ``polish_base`` at most (from
        the default 50: 25 at 8 and 20 shapes, 50 from 50 up). Against 1/boost: +0.02, +0.06 and
        +0.10 dB at 8, 20 and 50 triangles, +0.05 at 20 circles, in 0.92 to 1.10 of the fitting
        time (trials.csv)."""
        return min(self.polish_base, math.ceil(2 * self.polish_base / self.boost))

    @property
    def polish(self) -> int:
        """The number of joint refinement steps to take: more for mixed kinds and for few shapes (half
        the boost), by whichever asks more (the boost's polish already reaches what a mixed set needs)."""
        steps = self.polish_base * max(self.polish_mixed if len(self.kinds) > 1 else 1, self.boost / 2)
        return round(steps * EFFORT[self.effort][2])

    @property
    def polish_tile(self) -> int:
        """The polish's tile size in pixels: twice ``tile`` below ``few_shapes``, where few large
        shapes reach most tiles anyway and fewer, larger tiles cost less on two threads (0.87 to
        0.95 of the fitting time at 8 and 20 triangles in trials; about level on one thread, and
        for circles)."""
        return 2 * self.tile if self.shapes < self.few_shapes else self.tile

    @property
    def polish_reach(self) -> float:
        """How far, in pixels, a shape may move in the polish at most: few large shapes go far."""
        return 12.0 * self.boost**2

    @property
    def polish_temperature(self) -> float:
        """The polish's starting temperature in pixels, annealed to ``temperature_end``: few
        large shapes start soft, so that their edges feel the picture beyond a pixel."""
        return self.temperature_end * self.boost**2
