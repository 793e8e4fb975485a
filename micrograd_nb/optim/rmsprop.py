"""RMSprop: divide the step by a running root-mean-square of the gradient."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """v ← αv + (1-α)g², p ← p - lr·g/(√v + eps) (PyTorch's form, optional momentum/centering)."""

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        if lr < 0:
            raise ValueError(f"RMSprop: lr must be >= 0, got {lr}")
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> np.ndarray:
        alpha = group["alpha"]
        g = grad
        if group["weight_decay"]:
            g = g + group["weight_decay"] * data
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(data)
            if group["momentum"]:
                state["momentum_buffer"] = np.zeros_like(data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(data)
        state["step"] += 1
        square_avg = alpha * state["square_avg"] + (1 - alpha) * (g * g)
        state["square_avg"] = square_avg
        if group["centered"]:
            grad_avg = alpha * state["grad_avg"] + (1 - alpha) * g
            state["grad_avg"] = grad_avg
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"]:
            buf = group["momentum"] * state["momentum_buffer"] + g / avg
            state["momentum_buffer"] = buf
            return data - group["lr"] * buf
        return data - group["lr"] * g / avg
