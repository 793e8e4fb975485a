"""`GradScaler`: dynamic loss scaling, so small float16 gradients do not flush to zero.

float16's smallest positive (subnormal) number is 2**-24 ≈ 6e-8; a gradient below half of it
rounds to exactly 0 and the update it carried is lost. Multiplying the loss by a large scale S
multiplies every gradient by S (the chain rule is linear), lifting them into float16's range.
Before the optimizer step the float32 gradients are divided by S again (`unscale_`).

If S is too large a gradient overflows to inf. Then the step is skipped and S is halved;
after `growth_interval` steps in a row without inf/NaN, S is doubled. PyTorch's rules:

    scaler.scale(loss).backward()
    scaler.step(optimizer)     # unscale_, then optimizer.step() unless a gradient is inf/NaN
    scaler.update()            # S ← S·backoff after inf/NaN; S ← S·growth after N good steps
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arrays import floats
from ..autograd import Node

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


def _parameters(optimizer: Any) -> list:
    """The parameters of an optimizer (`.param_groups` as in PyTorch, or `.params`) or a list."""
    if hasattr(optimizer, "param_groups"):
        return [p for group in optimizer.param_groups for p in group["params"]]
    if hasattr(optimizer, "params"):
        return list(optimizer.params)
    if isinstance(optimizer, (list, tuple)):
        return list(optimizer)
    raise TypeError(
        f"GradScaler: cannot find parameters in {type(optimizer).__name__}; pass an optimizer "
        "with `param_groups` (like mg.optim.SGD) or with a `params` list"
    )


class GradScaler:
    """Loss scaling with PyTorch's semantics; `dynamic=False` keeps the scale fixed (static)."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
        dynamic: bool = True,
    ):
        if init_scale <= 0 or growth_factor <= 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError(
                "GradScaler: need init_scale > 0, growth_factor > 1 and 0 < backoff_factor < 1, "
                f"got {init_scale}, {growth_factor}, {backoff_factor}"
            )
        if growth_interval < 1:
            raise ValueError(f"GradScaler: growth_interval must be >= 1, got {growth_interval}")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._enabled = bool(enabled)
        self._dynamic = bool(dynamic)
        #: good steps in a row since the scale last changed
        self._growth_tracker = 0
        #: per optimizer (by id): stage of this iteration and whether an inf/NaN was found
        self._per_optimizer: dict[int, dict] = {}
        #: how many steps were skipped because of inf/NaN gradients (for plots and tests)
        self.skipped_steps = 0

    # ---- the four calls of a training step ----------------------------------------------------
    def scale(self, outputs: Node | list | tuple) -> Node | list | tuple:
        """outputs · S (a recorded multiplication, so backward yields S·gradients)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        if not isinstance(outputs, Node):
            raise TypeError(
                f"GradScaler.scale: expected a Tensor loss, got {type(outputs).__name__}"
            )
        return outputs * self._scale

    def unscale_(self, optimizer: Any) -> None:
        """Divide this optimizer's gradients by S (in float32) and note any inf/NaN among them."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError(
                "GradScaler.unscale_: already called for this optimizer since the last update()"
            )
        if state["stage"] == _STEPPED:
            raise RuntimeError("GradScaler.unscale_: called after step(); call update() first")
        inv_scale = 1.0 / self._scale
        found_inf = False
        for p in _parameters(optimizer):
            if p.grad is None:
                continue
            # A new array, not `*=`: two parameters may share one gradient array.
            p.grad, finite = floats.unscaled(np.asarray(p.grad), inv_scale)
            found_inf = found_inf or not finite
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """unscale_ (if not done yet), then optimizer.step() unless a gradient is inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("GradScaler.step: already called since the last update()")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        state["stage"] = _STEPPED
        if state["found_inf"]:
            self.skipped_steps += 1
            return None  # the step is skipped: parameters keep their values
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """S ← S·backoff_factor if any step saw inf/NaN, S ← S·growth_factor after N good steps."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
            self._growth_tracker = 0
        else:
            if not self._per_optimizer:
                raise RuntimeError(
                    "GradScaler.update: no inf/NaN check was recorded; call "
                    "scaler.step(optimizer) (or unscale_) before update()"
                )
            found_inf = any(s["found_inf"] for s in self._per_optimizer.values())
            if self._dynamic:
                if found_inf:
                    self._scale *= self._backoff_factor
                    self._growth_tracker = 0
                else:
                    self._growth_tracker += 1
                    if self._growth_tracker == self._growth_interval:
                        self._scale *= self._growth_factor
                        self._growth_tracker = 0
        self._per_optimizer = {}

    # ---- inspection -------------------------------------------------------------------------------
    def get_scale(self) -> float:
        """The current scale S (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def is_enabled(self) -> bool:
        """False for a scaler made with enabled=False (then every call passes through)."""
        return self._enabled

    def state_dict(self) -> dict:
        """The scale and growth counter, to resume training with the same loss scale."""
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict` returned."""
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["_growth_tracker"])

    def __repr__(self) -> str:
        kind = "dynamic" if self._dynamic else "static"
        return f"GradScaler(scale={self.get_scale():g}, {kind}, enabled={self._enabled})"

    def _state(self, optimizer: Any) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})
