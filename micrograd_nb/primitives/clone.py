"""`Clone`: a copy of the data that stays in the graph (PyTorch's `x.clone()`)."""

from __future__ import annotations

import numpy as np

from ..autograd import Linear


class Clone(Linear):
    """a new array with x's values; x̄ = ȳ (the identity, on a separate copy)"""

    formulas = ("ȳ",)

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad
