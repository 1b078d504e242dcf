"""A small Adam, because ``torch.optim.Adam``'s first construction imports torch's compiler
stack: over two seconds of start-up for every run of a command-line tool."""

import torch


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
        fix1, fix2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for g in self.param_groups:
            for i, p in enumerate(g["params"]):
                if p.grad is None:
                    continue
                m, v = self.state.setdefault(p, (torch.zeros_like(p), torch.zeros_like(p)))
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                denom = (v / fix2).sqrt_().add_(self.eps)
                if "scale" in g:
                    denom.div_(g["scale"][i])
                p.addcdiv_(m, denom, value=-g["lr"] / fix1)
