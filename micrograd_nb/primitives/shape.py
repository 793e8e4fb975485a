"""Shape primitives: they only move elements around, so backward only moves gradients back.

Broadcasting lives here too: `BroadcastTo` copies along new axes, so its backward *sums*
(`sum_to_shape`). The engine calls `sum_to_shape` in exactly one place (`Tensor._fit_grad`)
to bring every gradient back to its input's shape.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Node
from . import generic as F


def sum_to_shape_raw(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added (leading) or stretched (size 1)."""
    extra = grad.ndim - len(shape)
    if extra < 0:
        return np.broadcast_to(grad, shape)
    stretched = tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    axes = tuple(range(extra)) + stretched
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def scatter_add_raw(grad, index, shape, dtype) -> np.ndarray:
    """zeros(shape) with `grad` added at `index`; repeated integer indices accumulate."""
    out = np.zeros(shape, dtype=dtype)
    np.add.at(out, index, grad)
    return out


class SumToShape(Function):
    """Σ over broadcast axes down to `shape`; backward: broadcast the gradient back"""

    name = "sum_to_shape"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return sum_to_shape_raw(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return F.broadcast_to(grad, ctx.input_shape)

    @staticmethod
    def jvp(ctx, dx):
        return sum_to_shape_raw(dx, ctx.options["shape"])


class BroadcastTo(Function):
    """x stretched to `shape` (copies along new/size-1 axes); backward: sum them back"""

    name = "broadcast_to"

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {np.shape(x)} to {shape}: "
                "each axis must match or be 1"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape

    @staticmethod
    def jvp(ctx, dx):
        return np.broadcast_to(dx, ctx.options["shape"])


class Reshape(Function):
    """the same elements in a new shape; backward: reshape the gradient back"""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        try:
            return np.reshape(x, shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return F.reshape(grad, ctx.input_shape)

    @staticmethod
    def jvp(ctx, dx):
        return np.reshape(dx, ctx.options["shape"])


class Transpose(Function):
    """axes permuted by `axes`; backward: the inverse permutation"""

    @staticmethod
    def forward(ctx, x, axes=None):
        axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} axes")
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = tuple(np.argsort(ctx.axes))
        if isinstance(grad, Node):
            return Transpose.apply(grad, axes=inverse)
        return np.transpose(grad, inverse)

    @staticmethod
    def jvp(ctx, dx):
        return np.transpose(dx, ctx.axes)


class SwapAxes(Function):
    """two axes exchanged; backward: exchange them again"""

    name = "swapaxes"

    @staticmethod
    def forward(ctx, x, axis1, axis2):
        return np.swapaxes(x, axis1, axis2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.options["axis1"], ctx.options["axis2"]
        if isinstance(grad, Node):
            return SwapAxes.apply(grad, axis1=a, axis2=b)
        return np.swapaxes(grad, a, b)

    @staticmethod
    def jvp(ctx, dx):
        return np.swapaxes(dx, ctx.options["axis1"], ctx.options["axis2"])


class GetItem(Function):
    """x[index] (ints, slices, integer arrays, boolean masks); backward: scatter-add"""

    name = "getitem"

    @staticmethod
    def forward(ctx, x, index):
        ctx.input_shape = x.shape
        ctx.dtype = x.dtype
        try:
            return x[index]
        except IndexError as err:
            raise IndexError(f"getitem: index {index!r} on shape {x.shape}: {err}") from None

    @staticmethod
    def backward(ctx, grad):
        return F.scatter_add(grad, ctx.options["index"], ctx.input_shape, ctx.dtype)

    @staticmethod
    def jvp(ctx, dx):
        return dx[ctx.options["index"]]


class ScatterAdd(Function):
    """zeros(shape) with x added at `index`; backward: gather x's gradient back from `index`"""

    name = "scatter_add"

    @staticmethod
    def forward(ctx, x, index, shape):
        return scatter_add_raw(x, index, shape, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return F.getitem(grad, ctx.options["index"])

    @staticmethod
    def jvp(ctx, dx):
        return scatter_add_raw(dx, ctx.options["index"], ctx.options["shape"], dx.dtype)
