"""Primitives that pick between values: max and min of two inputs, where, clip.

Their derivatives are masks (which input won, which elements stayed inside the bounds),
computed from raw data in forward and used as constants by backward.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Elementwise, Function
from . import ops


def _larger_share(a, b):
    """How much of max(a, b)'s gradient goes to a: 1 where a > b, ½ on ties, else 0."""
    share = (a > b) + 0.5 * (a == b)
    dtype = np.result_type(a, b)
    return share.astype(dtype) if np.issubdtype(dtype, np.floating) else share


class Maximum(Elementwise):
    """max(a, b) elementwise; d/da = 1 where a > b, d/db = 1 where b > a (ties: ½ each)

    On a tie both inputs are "the max", so the gradient is split evenly (as in PyTorch);
    the two shares always add up to the incoming gradient.
    """

    name = "maximum"
    formulas = ("[{a} > {b}] + ½·[{a} = {b}]", "[{b} > {a}] + ½·[{a} = {b}]")
    kinks = "equal"

    @staticmethod
    def forward(ctx, a, b):
        ctx.share_a = _larger_share(a, b)
        return np.maximum(a, b)

    @staticmethod
    def partials(ctx):
        return ctx.share_a, 1 - ctx.share_a


class Minimum(Maximum):
    """min(a, b) elementwise; d/da = 1 where a < b, d/db = 1 where b < a (ties: ½ each)"""

    name = "minimum"
    formulas = ("[{a} < {b}] + ½·[{a} = {b}]", "[{b} < {a}] + ½·[{a} = {b}]")

    @staticmethod
    def forward(ctx, a, b):
        ctx.share_a = _larger_share(b, a)  # a wins the minimum where b is the larger one
        return np.minimum(a, b)


class Where(Function):
    """where(cond, a, b) = a where cond else b; ā = ȳ where cond (else 0), b̄ = ȳ elsewhere"""

    name = "where"
    formulas = ("", "where({condition}, ȳ, 0)", "where({condition}, 0, ȳ)")

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition)
        if condition.dtype != np.bool_:
            raise TypeError(
                f"where: the condition must be a boolean array, got dtype {condition.dtype}; "
                "build it with a comparison such as x > 0"
            )
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        _, need_a, need_b = ctx.needs_input_grad
        cond = ctx.condition
        # ops.where keeps grad's dtype: 0 is a weak Python scalar (NEP 50)
        grad_a = ops.where(cond, grad, 0) if need_a else None
        grad_b = ops.where(cond, 0, grad) if need_b else None
        return None, grad_a, grad_b

    @staticmethod
    def jvp(ctx, dcondition, da, db):
        return np.where(ctx.condition, da, db)


class Clip(Elementwise):
    """clip(x, lo, hi); d/dx = 1 where lo ≤ x ≤ hi (boundaries included), else 0

    At exactly x = lo or x = hi the gradient is 1 (as in PyTorch's `clamp`), so a value
    sitting on the boundary can still move back inside.
    """

    name = "clip"
    formulas = ("[{min} ≤ {x} ≤ {max}]",)
    kinks = "bounds"

    @staticmethod
    def forward(ctx, x, min=None, max=None):  # noqa: A002 - numpy/PyTorch argument names
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        inside = np.ones(x.shape, dtype=bool)
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        ctx.inside = inside.astype(x.dtype)
        return np.clip(x, min, max)

    @staticmethod
    def partials(ctx):
        return ctx.inside
