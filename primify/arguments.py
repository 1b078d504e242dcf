"""Checks of ``convert``'s arguments that are not ``Settings`` fields, made before any work: a
wrong one is a ValueError or TypeError naming the argument."""

from collections.abc import Callable, Mapping

import torch

from .model import Scene
from .settings import Settings


def pick_device(name: str | torch.device = "auto") -> torch.device:
    """``auto`` is CUDA when torch sees a GPU, else the CPU; otherwise a device torch can
    compute on here: the CPU, a CUDA GPU it sees or Apple's MPS."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(name, (str, torch.device)):
        raise TypeError(f"device must be a torch.device or its name ('auto', 'cpu', 'cuda'), not {name!r}")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', not {name!r}") from None
    if device.type == "cuda":
        # Counted, not tried: a tensor on the GPU would start CUDA before the command line's workers fork.
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            seen = f"CUDA GPUs 0 to {count - 1} only" if count else "no CUDA GPU"
            raise ValueError(f"device '{device}' was asked for, but torch sees {seen}")
    elif not (device.type == "cpu" or device.type == "mps" and torch.backends.mps.is_available()):
        raise ValueError(f"device '{device}' was asked for, but torch cannot compute on it here")
    return device


def callbacks(generator, progress, stop, init, shapes: int) -> None:
    """Refuses a ``generator``, ``progress``, ``stop`` or ``init`` of the wrong kind, and an
    ``init`` with more shapes than the ``shapes`` asked for in all."""
    if not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
        raise TypeError(f"generator must be a CPU torch.Generator or None, not {generator!r}")
    for name, value in (("progress", progress), ("stop", stop)):
        if value is not None and not callable(value):
            raise TypeError(f"{name} must be a function or None, not {value!r}")
    if init is not None and not isinstance(init, Scene):
        raise TypeError(f"init must be a primify.Scene (primify.load_scene reads a saved one) or None, not {init!r}")
    if init is not None and len(init.shapes) > shapes:
        raise ValueError(f"init already has {len(init.shapes)} shapes, more than shapes={shapes} in all")


#: What a starting scene keeps as it is, which a setting would change: another one given would
#: be silently ignored, so it is refused.
KEPT = {
    "background": "another background",
    "alpha": "shapes of other opacities",
    "palette": "shapes of colours outside the palette",
}


def contradicted(init: Scene, settings) -> str | None:
    """The first of ``KEPT``'s settings given that ``init`` does not follow, or None; compared
    as 8-bit values, as files hold them (a scene continued with the options it was made with
    follows them). A palette of a number of colours is compared once they are picked. A palette
    is the shapes': ``init``'s background is kept whatever it is, as it is without one."""
    eight = lambda values: tuple(round(255 * v) for v in values)
    ground = settings.background
    if ground is not None and (None if ground == "transparent" else eight(ground)) != (
        init.background and eight(init.background)
    ):
        return "background"
    if settings.alpha is not None and any(eight([s.alpha]) != eight([settings.alpha]) for s in init.shapes):
        return "alpha"
    if isinstance(settings.palette, tuple):
        allowed = set(map(eight, settings.palette))
        if any(eight(s.colour) not in allowed for s in init.shapes):
            return "palette"
    return None


def settings_of(settings, fields: frozenset[str], arguments: frozenset[str]) -> Settings:
    """``convert``'s ``settings``, a Settings, a dict of its ``fields`` or None, as a Settings. A
    key of a dict that is no field is a TypeError naming it, and where it is one of ``convert``'s
    own ``arguments`` (``device``, say), saying so: Python's words named Settings.__init__."""
    if isinstance(settings, Mapping):
        if unknown := [k for k in settings if k not in fields]:
            here = " (an argument of convert itself)" if unknown[0] in arguments else ""
            raise TypeError(f"settings has no field {unknown[0]!r}{here}; primify.Settings lists its fields")
        return Settings(**settings)
    if settings is None:
        return Settings()
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a primify.Settings or a dict of its fields, not {type(settings).__name__}")
    return settings


def latched(stop: Callable[[], bool] | None) -> Callable[[], bool]:
    """``stop``, not asked again once it has answered True: a caller's may say so only once (a
    countdown, a flag it clears), and every stage after it must still hear it."""
    if stop is None:
        return lambda: False
    said = False

    def latched_stop() -> bool:
        nonlocal said
        said = said or bool(stop())
        return said

    return latched_stop
