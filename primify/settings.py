"""Every knob of a conversion, with its default, in one place."""

from dataclasses import dataclass

#: What each ``--effort`` multiplies: the refinement steps per batch, the candidates per shape
#: and the final joint refinement's steps.
EFFORT = {"fast": (0.5, 0.5, 0.4), "default": (1, 1, 1), "best": (4, 2, 6)}


@dataclass
class Settings:
    """How to convert an image. The defaults are what ``primify convert`` uses."""

    #: Number of shapes to place.
    shapes: int = 256
    #: Stop adding shapes once the PSNR (dB) at the working size reaches this; None: never.
    target_psnr: float | None = None
    #: Shape kinds allowed; with several, candidates of every kind compete for each placement.
    kinds: tuple[str, ...] = ("triangle",)
    #: Working resolution: the longer side, in pixels, of the image the shapes are fitted to.
    size: int = 256
    #: Fixed opacity in (0, 1]; None learns one per shape.
    alpha: float | None = None
    #: Background colour as RGB floats in [0, 1]; None uses the target's mean colour, and
    #: "transparent" none at all: the shapes lie over nothing and renders keep an alpha channel.
    background: tuple[float, float, float] | str | None = None
    #: Colours shapes may take, as RGB floats in [0, 1]; None allows any colour. ``convert``
    #: also takes a count here and picks that many colours from the picture.
    palette: tuple[tuple[float, float, float], ...] | int | None = None
    #: Soft edge function: "sigmoid" or "tanh" (see ``primify.raster.EDGES``).
    edge: str = "sigmoid"
    #: How long to search: "fast", "default" or "best" (see ``EFFORT``).
    effort: str = "default"
    #: Below this many shapes the search grows (see ``boost``): greedy placement leaves most to
    #: gain where shapes are few and large, and there each step costs little.
    few_shapes: int = 200
    #: Adam steps per batch of new shapes.
    steps: int = 25
    #: Random candidates tried per shape at placement; the best ones are optimized.
    candidates: int = 8
    #: Soft-edge temperature in working-size pixels at the start of each batch, as a fraction
    #: of the batch's shape size (never below ``temperature_end``)...
    temperature_start: float = 0.15
    #: ...annealed geometrically to this, in pixels, at the end of each batch, where the soft
    #: image matches the anti-aliased hard render.
    temperature_end: float = 0.25
    #: The largest number of shapes optimized together in one batch...
    max_batch: int = 128
    #: ...and the most, as a fraction of the shapes placed so far: smaller is more sequential,
    #: slower and a little better.
    batch_growth: float = 0.25
    #: Smallest shape, in working-size pixels across.
    min_size: float = 1.5
    #: Opacity that learned opacity starts from.
    alpha_init: float = 0.8
    #: Adam learning rates: geometry as a fraction of the batch's shape size per step, colour and
    #: opacity in [0, 1] units per step.
    lr_geometry: float = 0.04
    lr_colour: float = 0.02
    lr_alpha: float = 0.02
    #: Steps of the final joint refinement of all shapes (0 turns it off)...
    polish_steps: int = 25
    #: ...times this when several kinds are allowed. Choosing among every kind at placement
    #: fits the batches about as well as the best kind alone, but a mixed set gains less per
    #: polish step than a set of strokes does, and its steps cost less, so it takes more.
    polish_mixed: int = 3
    #: Its learning rates, geometry in pixels per step, colour and opacity in [0, 1] units...
    lr_polish: float = 0.3
    lr_polish_colour: float = 0.005
    #: ...and the tile size, in pixels, its compositing is split into.
    tile: int = 16

    @property
    def boost(self) -> float:
        """How much longer to search for few shapes: 1 from ``few_shapes`` up, 4 at most."""
        return min(4.0, max(1.0, self.few_shapes / self.shapes))

    @property
    def refine_steps(self) -> int:
        """Adam steps per batch, with the effort and boost applied."""
        return max(1, round(self.steps * EFFORT[self.effort][0] * self.boost))

    @property
    def tries(self) -> int:
        """Candidates per shape, with the effort and boost applied."""
        return max(1, round(self.candidates * EFFORT[self.effort][1] * self.boost))

    @property
    def polish(self) -> int:
        """The number of joint refinement steps to take."""
        steps = self.polish_steps * (self.polish_mixed if len(self.kinds) > 1 else 1)
        return round(steps * EFFORT[self.effort][2] * self.boost ** 2)

    @property
    def polish_reach(self) -> float:
        """How far, in pixels, a shape may move in the polish at most: few large shapes go far."""
        return 12.0 * self.boost ** 2

    @property
    def polish_temperature(self) -> float:
        """The polish's starting temperature in pixels, annealed to ``temperature_end``: few
        large shapes start soft, so that their edges feel the picture beyond a pixel."""
        return self.temperature_end * self.boost ** 2

    def __post_init__(self):
        if self.shapes < 1:
            raise ValueError("the number of shapes must be at least 1")
        if self.size < 8:
            raise ValueError("the working size must be at least 8 pixels")
        if self.alpha is not None and not 0 < self.alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        if self.effort not in EFFORT:
            raise ValueError(f"effort '{self.effort}' is none of {', '.join(EFFORT)}")
        if isinstance(self.background, str) and self.background != "transparent":
            raise ValueError(f"background '{self.background}' is neither RGB floats nor 'transparent'")
