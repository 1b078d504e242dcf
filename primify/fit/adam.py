"""A small Adam, because ``torch.optim.Adam``'s first construction imports torch's compiler
stack: over two seconds of start-up for every run of a command-line tool; and the one loop
that refine and polish both run it in."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from ..settings import Settings
from ..shapes import resolve_kind, step_scale


class Adam:
    """Adam (Kingma and Ba, 2015) over parameter groups ``[{"params": [...], "lr": ...}, ...]``,
    the same update as ``torch.optim.Adam`` without weight decay or amsgrad. A group may add
    ``"scale"``: one tensor per parameter, multiplying its steps element by element."""

    def __init__(self, param_groups: list[dict], betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.param_groups = param_groups
        self.betas, self.eps, self.t = betas, eps, 0
        self.state: dict[torch.Tensor, tuple[torch.Tensor, torch.Tensor]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for g in self.param_groups:
            for p in g["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        fix1, fix2 = 1 - b1**self.t, 1 - b2**self.t
        # Every group's tensors in one list, each op applied to all at once: the shapes' few
        # small tensors made a step's cost the number of operations, not their size.
        live = [
            (p, g["lr"], g["scale"][i] if "scale" in g else None)
            for g in self.param_groups
            for i, p in enumerate(g["params"])
            if p.grad is not None
        ]
        if not live:
            return
        params, lrs, scales = zip(*live)
        grads = [p.grad for p in params]
        for p in params:
            if p not in self.state:
                self.state[p] = (torch.zeros_like(p), torch.zeros_like(p))
        m, v = zip(*(self.state[p] for p in params))
        torch._foreach_mul_(m, b1)
        torch._foreach_add_(m, grads, alpha=1 - b1)
        torch._foreach_mul_(v, b2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - b2)
        denom = torch._foreach_div(v, fix2)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.eps)
        for d, scale in zip(denom, scales, strict=True):
            if scale is not None:
                d.div_(scale)
        torch._foreach_addcdiv_(params, m, denom, [-lr / fix1 for lr in lrs])


@dataclass(frozen=True)
class Body:
    """Geometry of shapes of one kind being optimized, and the box each must stay in: the
    optimizer's parameters (K, P), lo and hi (K, 2), in canvas units."""

    kind: str
    params: torch.Tensor
    lo: torch.Tensor
    hi: torch.Tensor


class Descent:
    """The one optimizer loop of refine and polish: Adam on the bodies' geometry and (unless
    fixed by the settings) the colours and opacities, then each step projected back onto
    valid shapes, colours in [0, 1] and learned opacities in [0.05, 1]. A step whose loss, gradients
    or result is not finite is undone and halves the learning rates, so such values never
    reach a shape.

    ``lr`` is (geometry in canvas units per step, colour, opacity); geometry steps are scaled
    per parameter by ``step_scale``. The tensors are updated in place; pass leaves that the
    caller owns (detached copies)."""

    def __init__(
        self,
        bodies: list[Body],
        colours: list[torch.Tensor],
        alphas: list[torch.Tensor],
        lr: tuple[float, float, float],
        settings: Settings,
        min_size: float,
    ):
        groups = [
            {
                "params": [b.params for b in bodies],
                "lr": lr[0],
                "scale": [step_scale(b.kind, b.params.detach()) for b in bodies],
            }
        ]
        # With a palette, colours are chosen from it, not moved; a fixed opacity stays fixed.
        if settings.palette is None:
            groups.append({"params": colours, "lr": lr[1]})
        if settings.alpha is None:
            groups.append({"params": alphas, "lr": lr[2]})
        for g in groups:
            for v in g["params"]:
                v.requires_grad_(True)
        self.opt = Adam(groups, betas=(0.8, 0.95))
        self.base = [g["lr"] for g in groups]
        # A fixed opacity is the user's and stays as given, below the learned floor too.
        self.alphas = alphas if settings.alpha is None else []
        self.bodies, self.colours, self.min_size = bodies, colours, min_size

    def run(
        self,
        steps: int,
        loss: Callable[[int], Iterable[torch.Tensor]],
        decay: Callable[[int], float],
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        """``steps`` steps on ``loss(i)``, learning rates times ``decay(i)``, until ``stop()``.

        A loss is given as parts whose sum it is, each differentiated as it comes, so that only
        one part's graph is held at a time."""
        for i in range(steps):
            if stop():
                return
            for g, lr in zip(self.opt.param_groups, self.base, strict=True):
                g["lr"] = lr * decay(i)
            if not self.step(lambda i=i: loss(i)):
                self.base = [lr / 2 for lr in self.base]

    def step(self, loss: Callable[[], Iterable[torch.Tensor]]) -> bool:
        """One step; False when it had to be undone."""
        values = [b.params for b in self.bodies] + self.colours + self.alphas
        saved = [v.detach().clone() for v in values]
        self.opt.zero_grad()
        ok = True
        for part in loss():
            ok = bool(torch.isfinite(part))
            if not ok:
                break
            part.backward()
        if ok:
            ok = _finite([v.grad for v in values if v.grad is not None])
        if ok:
            self.opt.step()
        with torch.no_grad():
            if not ok or not _finite(values):
                for v, s in zip(values, saved, strict=True):
                    v.copy_(s)
                ok = False
            for b in self.bodies:
                resolve_kind(b.kind).constrain(b.params, b.lo, b.hi, self.min_size)
            for c in self.colours:
                c.clamp_(0, 1)
            for a in self.alphas:
                a.clamp_(0.05, 1)
        return ok


def _finite(tensors: list[torch.Tensor]) -> bool:
    """Whether every element is finite, asked of the device once: the sum of their absolute
    values is finite when they are (one so large that the sum overflows counts as not finite,
    and its step is undone too)."""
    return not tensors or bool(torch.isfinite(torch.stack(torch._foreach_norm(tensors, 1)).sum()))
