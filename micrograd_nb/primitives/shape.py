"""Shape primitives: they only move elements around, so backward only moves gradients back.

Broadcasting lives here too: `BroadcastTo` copies along new axes, so its backward *sums*
(`sum_to_shape`). The engine calls `sum_to_shape` in exactly one place (`Tensor._fit_grad`)
to bring every gradient back to its input's shape.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Linear, Node
from . import ops, raw


class SumToShape(Linear):
    """Σ over broadcast axes down to `shape`; backward: broadcast the gradient back"""

    name = "sum_to_shape"
    formulas = ("broadcast_to(ȳ, shape({x}))",)

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        return raw.sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return ops.broadcast_to(grad, ctx.input_shape)


class BroadcastTo(Linear):
    """x stretched to `shape` (copies along new/size-1 axes); backward: sum them back"""

    name = "broadcast_to"
    formulas = ("sum_to_shape(ȳ, shape({x}))",)

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


class Reshape(Linear):
    """the same elements in a new shape; backward: reshape the gradient back"""

    formulas = ("reshape(ȳ, shape({x}))",)

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
        return ops.reshape(grad, ctx.input_shape)


class Transpose(Linear):
    """axes permuted by `axes`; backward: the inverse permutation"""

    formulas = ("transpose(ȳ, argsort(axes))",)

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


class SwapAxes(Linear):
    """two axes exchanged; backward: exchange them again"""

    name = "swapaxes"
    formulas = ("swapaxes(ȳ, {axis1}, {axis2})",)

    @staticmethod
    def forward(ctx, x, axis1, axis2):
        return np.swapaxes(x, axis1, axis2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.options["axis1"], ctx.options["axis2"]
        if isinstance(grad, Node):
            return SwapAxes.apply(grad, axis1=a, axis2=b)
        return np.swapaxes(grad, a, b)


class GetItem(Linear):
    """x[index] (ints, slices, integer arrays, boolean masks); backward: scatter-add"""

    name = "getitem"
    formulas = ("add_at(zeros_like({x}), {index}, ȳ)",)

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
        return ops.scatter_add(grad, ctx.options["index"], ctx.input_shape, ctx.dtype)


class ScatterAdd(Linear):
    """zeros(shape) with x added at `index`; backward: gather x's gradient back from `index`"""

    name = "scatter_add"
    formulas = ("ȳ[{index}]",)

    @staticmethod
    def forward(ctx, x, index, shape):
        return raw.scatter_add(x, index, shape, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return ops.getitem(grad, ctx.options["index"])


def _normalize_axis(axis: int, ndim: int, op: str) -> int:
    """A non-negative axis, or a ValueError naming the op."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for {ndim} dimensions")
    return axis % ndim


class Squeeze(Linear):
    """drop size-1 axes; backward: reshape the gradient back"""

    formulas = ("reshape(ȳ, shape({x}))",)

    @staticmethod
    def forward(ctx, x, axis=None):
        ctx.input_shape = x.shape
        if axis is not None:
            for a in (axis,) if isinstance(axis, (int, np.integer)) else axis:
                a = _normalize_axis(a, x.ndim, "squeeze")
                if x.shape[a] != 1:
                    raise ValueError(
                        f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1; "
                        "only size-1 axes can be squeezed"
                    )
        return np.squeeze(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return ops.reshape(grad, ctx.input_shape)


class Unsqueeze(Linear):
    """insert a size-1 axis at `axis` (NumPy's expand_dims); backward: reshape back"""

    formulas = ("reshape(ȳ, shape({x}))",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.input_shape = x.shape
        _normalize_axis(axis, x.ndim + 1, "unsqueeze")
        return np.expand_dims(x, axis)

    @staticmethod
    def backward(ctx, grad):
        return ops.reshape(grad, ctx.input_shape)


def _check_same_shapes(op: str, shapes: list, skip_axis: int | None) -> None:
    """Raise a ValueError naming the op and the shapes when arrays cannot be joined."""
    first = shapes[0]
    for i, other in enumerate(shapes[1:], start=1):
        same_rank = len(other) == len(first)
        rest = [n for k, n in enumerate(other) if k != skip_axis]
        rest0 = [n for k, n in enumerate(first) if k != skip_axis]
        if not same_rank or rest != rest0:
            where = "" if skip_axis is None else f" except along axis {skip_axis}"
            raise ValueError(
                f"{op}: input 0 has shape {first} but input {i} has shape {other}; "
                f"all shapes must match{where}"
            )


class Concatenate(Linear):
    """join arrays along an existing `axis`; backward: cut the gradient back into pieces"""

    table_inputs = ("x₀", "x₁")
    joins_inputs = True

    @classmethod
    def formula(cls, index, names, out, options):
        """input i gets the i-th piece of ȳ cut along the axis at the inputs' boundaries"""
        return f"cut(ȳ, axis={options.get('axis', 0)})[{index}]"

    @staticmethod
    def forward(ctx, *xs, axis=0):
        shapes = [np.shape(x) for x in xs]
        if not shapes[0]:
            raise ValueError("concatenate: 0-d arrays cannot be concatenated; use stack")
        axis = _normalize_axis(axis, len(shapes[0]), "concatenate")
        _check_same_shapes("concatenate", shapes, axis)
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [shape[axis] for shape in shapes]).tolist()
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def _pieces(ctx, grad):
        lead = (slice(None),) * ctx.axis
        bounds = ctx.bounds
        return tuple(
            ops.getitem(grad, lead + (slice(bounds[i], bounds[i + 1]),)) if need else None
            for i, need in enumerate(ctx.needs_input_grad)
        )

    @staticmethod
    def backward(ctx, grad):
        return Concatenate._pieces(ctx, grad)


class Stack(Linear):
    """join arrays along a new `axis`; backward: take each input's slice of the gradient"""

    table_inputs = ("x₀", "x₁")
    joins_inputs = True

    @classmethod
    def formula(cls, index, names, out, options):
        """input i gets ȳ's i-th slice along the new axis"""
        return f"take(ȳ, {index}, axis={options.get('axis', 0)})"

    @staticmethod
    def forward(ctx, *xs, axis=0):
        shapes = [np.shape(x) for x in xs]
        _check_same_shapes("stack", shapes, None)
        ctx.axis = _normalize_axis(axis, len(shapes[0]) + 1, "stack")
        return np.stack(xs, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        return tuple(
            ops.getitem(grad, lead + (i,)) if need else None
            for i, need in enumerate(ctx.needs_input_grad)
        )
