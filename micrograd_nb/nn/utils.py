"""Gradient clipping (`mg.nn.utils`): by global L2 norm and by value.

Both assign new `.grad` arrays instead of writing into the old ones: the engine may hand the
same array to several nodes, and an in-place change would alter all of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def total_grad_norm(parameters: Tensor | Iterable[Tensor], norm_type: float = 2.0) -> float:
    """‖g‖ of all gradients together, as if concatenated into one vector."""
    grads = [np.asarray(p.grad, dtype=np.float64) for p in _with_grads(parameters)]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        return float(max(np.max(np.abs(g)) if g.size else 0.0 for g in grads))
    return float(sum(np.sum(np.abs(g) ** norm_type) for g in grads) ** (1.0 / norm_type))


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """If ‖g‖ > max_norm, g ← g · max_norm/‖g‖ (direction kept). Returns ‖g‖ before clipping."""
    params = _with_grads(parameters)
    total = total_grad_norm(params, norm_type)
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise RuntimeError(
                f"clip_grad_norm_: the total gradient norm is {total}; a NaN or inf gradient "
                "cannot be clipped. Find where it appears with `with mg.detect_anomaly():`"
            )
        return total
    if total > max_norm:
        scale = max_norm / total
        for p in params:
            p.grad = (p.grad * scale).astype(p.grad.dtype, copy=False)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """g ← min(max(g, -clip_value), clip_value), element by element (direction may change)."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _with_grads(parameters):
        p.grad = np.clip(p.grad, -clip_value, clip_value)
