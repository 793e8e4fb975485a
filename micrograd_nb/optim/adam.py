"""Adam and AdamW: per-parameter step sizes from running moments of the gradient."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    """m ← β₁m + (1-β₁)g, v ← β₂v + (1-β₂)g², p ← p - lr·m̂/(√v̂ + eps), m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ).

    `weight_decay` adds wd·p to g (L2, as PyTorch's Adam); AdamW decays the weights directly.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        if lr < 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {lr}")
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{type(self).__name__}: betas must lie in [0, 1), got {betas}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> np.ndarray:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        g = grad
        if wd and self._decoupled:
            data = data * (1 - lr * wd)
        elif wd:
            g = g + wd * data
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
        state["step"] += 1
        t = state["step"]
        m = beta1 * state["exp_avg"] + (1 - beta1) * g
        v = beta2 * state["exp_avg_sq"] + (1 - beta2) * (g * g)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        return data - lr * m_hat / (np.sqrt(v_hat) + group["eps"])


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← p(1 - lr·wd) before the Adam step."""

    _decoupled = True

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
