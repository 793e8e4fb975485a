"""Reductions with NumPy's `axis=` / `keepdims=`: backward spreads the gradient back out."""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Linear
from . import ops


def _normalize_axes(axis, ndim: int) -> tuple:
    """`axis` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for an array with {ndim} dimensions")
    return tuple(sorted(a % max(ndim, 1) for a in axes))


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    """`shape` with the reduced axes kept as size 1 (what keepdims=True gives)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(grad, ctx):
    """The reduced gradient reshaped with size-1 axes, then broadcast over the input's shape."""
    if not ctx.options.get("keepdims", False):
        grad = ops.reshape(grad, ctx.kept_shape)
    return ops.broadcast_to(grad, ctx.input_shape)


class Sum(Linear):
    """Σ x over `axis`; d/dxᵢ = 1 (the sum fans the gradient out to every input)"""

    formulas = ("expand(ȳ)",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.input_shape = x.shape
        ctx.kept_shape = _kept_shape(x.shape, _normalize_axes(axis, x.ndim))
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx)


class Mean(Linear):
    """Σ x / n over `axis`; d/dxᵢ = 1/n"""

    formulas = ("expand(ȳ)/n",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = _normalize_axes(axis, x.ndim)
        ctx.input_shape = x.shape
        ctx.kept_shape = _kept_shape(x.shape, axes)
        ctx.count = int(np.prod([x.shape[a] for a in axes]))
        return np.mean(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad / ctx.count, ctx)


class _Extremum(Function):
    """Shared rule of max/min: the gradient goes to the extreme element(s) only.

    Ties: the gradient is split evenly among all elements equal to the extreme value
    (each of k tied elements gets 1/k), so the gradient's sum is preserved.
    """

    reduce = staticmethod(np.max)
    formulas = ("expand(ȳ)·[{x} = expand({out})]/ties",)
    kinks = "ties"

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        if x.size == 0:
            raise ValueError(f"{cls.name}: cannot reduce an empty array of shape {x.shape}")
        axes = _normalize_axes(axis, x.ndim)
        ctx.input_shape = x.shape
        ctx.kept_shape = _kept_shape(x.shape, axes)
        extreme = cls.reduce(x, axis=axis, keepdims=True)
        hits = (x == extreme).astype(x.dtype)
        ctx.route = hits / hits.sum(axis=axes, keepdims=True)
        if keepdims:
            return extreme
        return extreme.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx) * ctx.route

    @staticmethod
    def jvp(ctx, dx):
        axes = _normalize_axes(ctx.options.get("axis"), len(ctx.input_shape))
        out = np.sum(dx * ctx.route, axis=axes, keepdims=True)
        return (
            out
            if ctx.options.get("keepdims", False)
            else out.reshape(tuple(n for i, n in enumerate(ctx.input_shape) if i not in axes))
        )


class Max(_Extremum):
    """max over `axis`; d/dxᵢ = 1 at the arg-max (split evenly among ties), else 0"""

    reduce = staticmethod(np.max)


class Min(_Extremum):
    """min over `axis`; d/dxᵢ = 1 at the arg-min (split evenly among ties), else 0"""

    reduce = staticmethod(np.min)


def _moments_setup(ctx, x, axis, ddof, op: str) -> None:
    """Shapes and the divisor n - ddof shared by var and std."""
    axes = _normalize_axes(axis, x.ndim)
    ctx.input_shape = x.shape
    ctx.kept_shape = _kept_shape(x.shape, axes)
    ctx.axes = axes
    count = int(np.prod([x.shape[a] for a in axes]))
    if count - ddof <= 0:
        raise ValueError(
            f"{op}: {count} element(s) along axis {axis} of shape {x.shape} with ddof={ddof} "
            "leave no degrees of freedom (need more elements than ddof)"
        )
    ctx.dof = count - ddof


class Var(Function):
    """Σ (x - x̄)² / (n - ddof) over `axis`; d/dxᵢ = 2(xᵢ - x̄) / (n - ddof)

    (The mean x̄ depends on xᵢ too, but that term is Σ 2(xⱼ - x̄)·(-1/n) = 0.)
    """

    name = "var"
    formulas = ("expand(ȳ)·2·({x} - x̄)/(n - {ddof})",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        _moments_setup(ctx, x, axis, ddof, "var")
        ctx.save_for_backward(x)
        return np.var(x, axis=axis, keepdims=keepdims, ddof=ddof)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centred = x - ops.mean(x, axis=ctx.axes, keepdims=True)
        return _spread(grad, ctx) * centred * (2.0 / ctx.dof)

    @staticmethod
    def jvp(ctx, dx):
        (x,) = ctx.saved_tensors
        centred = x - np.mean(x, axis=ctx.axes, keepdims=True)
        out = np.sum(centred * dx, axis=ctx.axes, keepdims=ctx.options.get("keepdims", False))
        return out * (2.0 / ctx.dof)


class Std(Function):
    """√var over `axis`; d/dxᵢ = (xᵢ - x̄) / ((n - ddof)·std), taken as 0 where std = 0

    Where all elements are equal, std has a kink (like |x| at 0); the gradient there is 0,
    as in PyTorch, instead of 0/0 = nan.
    """

    name = "std"
    formulas = ("expand(ȳ·[{out} ≠ 0]/((n - {ddof})·{out} + [{out} = 0]))·({x} - x̄)",)
    kinks = "flat"
    autocast = "float32"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, ddof=0):
        _moments_setup(ctx, x, axis, ddof, "std")
        out = np.std(x, axis=axis, keepdims=keepdims, ddof=ddof)
        flat = out == 0
        ctx.flat = flat.astype(out.dtype)  # constant masks: 1 where std = 0
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def _scale(ctx, out):
        """1 / ((n - ddof)·std), with 0 where std = 0 (the divisor is made 1 there first)."""
        return (1 - ctx.flat) / (out * ctx.dof + ctx.flat)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        centred = x - ops.mean(x, axis=ctx.axes, keepdims=True)
        return _spread(grad * Std._scale(ctx, out), ctx) * centred

    @staticmethod
    def jvp(ctx, dx):
        x, out = ctx.saved_tensors
        centred = x - np.mean(x, axis=ctx.axes, keepdims=True)
        keepdims = ctx.options.get("keepdims", False)
        return np.sum(centred * dx, axis=ctx.axes, keepdims=keepdims) * Std._scale(ctx, out)
