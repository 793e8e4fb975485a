"""`MLP`: a multilayer perceptron whose depth, activation, init, skips and norm are arguments.

    MLP([2, 16, 16, 1])                                   # ReLU, He init
    MLP([64] + [32] * 10 + [10], activation="sigmoid", init="xavier")
    MLP([64] + [32] * 10 + [10], activation="sigmoid", residual=True)
    MLP(sizes, activation="tanh", init="normal", std=1.0)   # init_kw go to the init scheme

`layers` is a flat Sequential: Linear, [norm], activation, Linear, ..., Linear, so parameters are
named 'layers.0.weight', 'layers.2.weight', ... The last Linear has no activation (its outputs
are logits or regression values). With `residual=True`, a hidden layer whose input and output
widths match becomes one block Residual(Sequential(Linear, [norm], activation)): x + layer(x).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np

from . import init as _init
from .layers import BatchNorm1d, LayerNorm, Linear, Residual, Sequential, make_activation
from .module import Module


class MLP(Module):
    """sizes = [in, hidden..., out]; a multilayer perceptron with the layers in `self.layers`."""

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | type[Module] | None = "relu",
        init: str | Callable | None = "he",
        residual: bool = False,
        norm: str | None = None,
        bias: bool = True,
        dtype=np.float64,
        **init_kw,
    ):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least [in, out], got {sizes}")
        if norm not in (None, "batch", "layer"):
            raise ValueError(f"MLP: norm must be None, 'batch' or 'layer', got {norm!r}")
        self.sizes = sizes
        self.activation = activation if isinstance(activation, (str, type(None))) else "custom"
        self.init = init if isinstance(init, (str, type(None))) else "custom"
        self.residual = residual
        self.norm = norm
        self.layers = Sequential()
        n_layers = len(sizes) - 1
        for i in range(n_layers):
            linear = Linear(sizes[i], sizes[i + 1], bias=bias, dtype=dtype)
            if init is not None:
                _init.init_by_name(linear.weight, init, **init_kw)
                if linear.bias is not None:
                    _init.zeros_(linear.bias)
            if i == n_layers - 1:
                self.layers.append(linear)  # no activation after the last layer
                break
            parts = [linear]
            if norm == "batch":
                parts.append(BatchNorm1d(sizes[i + 1], dtype=dtype))
            elif norm == "layer":
                parts.append(LayerNorm(sizes[i + 1], dtype=dtype))
            # A module instance is copied so that each layer has its own (hooks see every layer).
            act = copy.deepcopy(activation) if isinstance(activation, Module) else activation
            parts.append(make_activation(act))
            if residual and sizes[i] == sizes[i + 1]:
                self.layers.append(Residual(Sequential(*parts)))
            else:
                for part in parts:
                    self.layers.append(part)

    def forward(self, x):
        return self.layers(x)

    def linear_layers(self) -> list[Linear]:
        """The Linear layers, first layer first."""
        return [m for m in self.modules() if isinstance(m, Linear)]

    def extra_repr(self) -> str:
        return (
            f"sizes={self.sizes}, activation={self.activation!r}, init={self.init!r}, "
            f"residual={self.residual}, norm={self.norm!r}"
        )
