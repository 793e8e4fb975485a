"""`Optimizer`: the base of every optimizer, with PyTorch's `param_groups` and `zero_grad`.

An optimizer holds references to parameters. `step()` reads each `p.grad` and assigns new data
`p.data = ...` (a new array, which bumps the version counter) without recording a graph;
`zero_grad()` forgets the gradients so the next backward starts from zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor


class Optimizer:
    """Base class: subclasses implement `_update(p, grad, state, group)` for one parameter."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        #: per-parameter state (momentum buffers, step counts), keyed by id(parameter)
        self.state: dict[int, dict[str, Any]] = {}
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add parameters with their own settings, e.g. {'params': [...], 'lr': 1e-3}."""
        group = dict(group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{type(self).__name__}: parameters must be Tensors, got {type(p).__name__}"
                )
            if not p.requires_grad:
                raise ValueError(
                    f"{type(self).__name__}: a parameter of shape {p.shape} does not require grad"
                )
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient: `.grad = None` (or zeros with set_to_none=False)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None if set_to_none else np.zeros_like(p.data)

    def step(self) -> None:
        """Update every parameter that has a gradient, group by group."""
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.setdefault(id(p), {})
                    new = self._update(p.data, np.asarray(p.grad), state, group)
                    p.data = new.astype(p.dtype, copy=False)

    def _update(
        self, data: np.ndarray, grad: np.ndarray, state: dict, group: dict
    ) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {settings}")
        return "\n".join(lines) + "\n)"
