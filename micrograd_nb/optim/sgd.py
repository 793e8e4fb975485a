"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    """p ← p - lr·g; with momentum μ: b ← μb + (1 - dampening)g, p ← p - lr·b (PyTorch's form).

    Weight decay adds wd·p to g (L2 regularization). Nesterov uses g + μb instead of b.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        if lr < 0:
            raise ValueError(f"SGD: lr must be >= 0, got {lr}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> np.ndarray:
        g = grad
        if group["weight_decay"]:
            g = g + group["weight_decay"] * data
        momentum = group["momentum"]
        if momentum:
            if "momentum_buffer" not in state:
                buf = np.array(g, copy=True)  # the first step starts the buffer at g
            else:
                buf = momentum * state["momentum_buffer"] + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        return data - group["lr"] * g
