"""Smooth activations of modern networks: gelu, elu, softplus.

tanh, sigmoid, relu and leaky_relu live in `elementwise.py` (they are shared with `Value`);
the rules here are for arrays. As everywhere, each derivative is written with operators and
`ops` functions, so the same rule runs on raw arrays and, under `create_graph=True`, on graph
nodes. The derivative of each activation is in exactly one place: its class (gelu's uses
tanh's rule from `Tanh.slope`).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Elementwise
from . import ops
from .elementwise import Tanh

# sqrt(2/pi) and the cubic coefficient of the tanh approximation of gelu
_GELU_C = 0.7978845608028654
_GELU_A = 0.044715


def _gelu_inner(x):
    """u = √(2/π)·(x + 0.044715·x³), the argument of tanh in gelu"""
    return _GELU_C * (x + _GELU_A * x * x * x)


class GELU(Elementwise):
    """gelu(x) ≈ ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (tanh form); d/dx = ½(1+t) + ½x(1-t²)u'

    This is the tanh approximation (PyTorch's `gelu(x, approximate="tanh")`, used by GPT-2 and
    BERT); it differs from the exact erf form x·Φ(x) by less than 1e-3 everywhere.
    """

    name = "gelu"
    formulas = (
        "½·(1 + t) + ½·{x}·(1 - t²)·u′, where t = tanh(u), u = √(2/π)·({x} + 0.044715·{x}³), "
        "u′ = √(2/π)·(1 + 3·0.044715·{x}²)",
    )

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * x * (1 + np.tanh(_gelu_inner(x)))

    @staticmethod
    def partials(ctx, x):
        """½(1 + t) + ½·x·tanh′·u′(x), t = tanh(u(x)), u′ = √(2/π)(1 + 3·0.044715·x²)"""
        t = ops.tanh(_gelu_inner(x))
        du = _GELU_C * (1 + 3 * _GELU_A * x * x)
        return 0.5 * (1 + t) + 0.5 * x * Tanh.slope(t) * du


class ELU(Elementwise):
    """elu(x) = x for x > 0, else α(eˣ - 1); d/dx = 1 for x > 0, else α·eˣ (= elu(x) + α)"""

    name = "elu"
    formulas = ("[{x} > 0] + {alpha}·exp({x})·[{x} ≤ 0]",)

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        positive = x > 0
        # expm1 of min(x, 0): accurate near 0 and no overflow warning for large positive x
        out = np.where(positive, x, alpha * np.expm1(np.minimum(x, 0)))
        ctx.save_for_backward(x)
        ctx.positive = positive.astype(x.dtype)  # a constant mask, like relu's
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def partials(ctx, x):
        # α·eˣ on the negative side, written with exp of a node so create_graph sees it
        alpha = ctx.options.get("alpha", 1.0)
        negative = 1 - ctx.positive
        return ctx.positive + negative * alpha * ops.exp(x * negative)


class Softplus(Elementwise):
    """softplus(x) = log(1 + eˣ), computed as logaddexp(0, x) (no overflow); d/dx = σ(x)"""

    name = "softplus"
    formulas = ("σ({x})",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(np.zeros((), x.dtype), x)

    @staticmethod
    def partials(ctx, x):
        return ops.sigmoid(x)
