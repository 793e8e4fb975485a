"""`Tensor`'s elementwise functions, conversions, reductions and shape methods, with NumPy's
and PyTorch's argument names."""

from __future__ import annotations

import numpy as np

from .primitives import activations as act
from .primitives import reduce, select, shape
from .primitives.cast import cast
from .primitives.clone import Clone
from .spelling import ValuesIndices, ddof_of, torch_names


class ElementwiseMethods:
    """log10, log2, gelu, elu, softplus, maximum, minimum, clip (exp, log, tanh, relu, ... are
    in `Operators`)."""

    __slots__ = ()

    def log10(self):
        """log(x) / ln 10; d/dx = 1 / (x ln 10)"""
        return self.log() / np.log(10.0)

    def log2(self):
        """log(x) / ln 2; d/dx = 1 / (x ln 2)"""
        return self.log() / np.log(2.0)

    def gelu(self):
        """½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation of gelu"""
        return act.GELU.apply(self)

    def elu(self, alpha: float = 1.0):
        """x if x > 0 else alpha * (e**x - 1)"""
        return act.ELU.apply(self, alpha=alpha)

    def softplus(self):
        """log(1 + e**x), without overflow"""
        return act.Softplus.apply(self)

    def maximum(self, other):
        """elementwise max(self, other) (ties split the gradient ½ / ½)"""
        return self._binary(select.Maximum, self, other)

    def minimum(self, other):
        """elementwise min(self, other) (ties split the gradient ½ / ½)"""
        return self._binary(select.Minimum, self, other)

    def clip(self, min=None, max=None):  # noqa: A002 - NumPy's argument names
        """values limited to [min, max]; gradient 1 inside (boundaries included), 0 outside"""
        return select.Clip.apply(self, min=min, max=max)

    clamp = clip  # PyTorch's name


class Conversions:
    """clone, float, double, contiguous: PyTorch's copies and casts."""

    __slots__ = ()

    def clone(self):
        """a copy of the data that stays in the graph; x̄ = ȳ"""
        return Clone.apply(self)

    def float(self):
        """as float32 (PyTorch's float is 32 bits); the gradient is cast back"""
        return cast(self, np.float32)

    def double(self):
        """as float64; the gradient is cast back"""
        return cast(self, np.float64)

    def contiguous(self):
        """self: NumPy arrays need no contiguity for view/reshape here (see `view`)"""
        return self


class Reductions:
    """sum, mean, max, min, argmax, argmin, var, std over an axis (PyTorch: dim=, keepdim=)."""

    __slots__ = ()

    @torch_names(dim="axis", keepdim="keepdims")
    def sum(self, axis=None, keepdims: bool = False):
        """Σ over axis (PyTorch: dim=, keepdim=)"""
        return reduce.Sum.apply(self, axis=axis, keepdims=keepdims)

    @torch_names(dim="axis", keepdim="keepdims")
    def mean(self, axis=None, keepdims: bool = False):
        """Σ / n over axis (PyTorch: dim=, keepdim=)"""
        return reduce.Mean.apply(self, axis=axis, keepdims=keepdims)

    @torch_names(keepdim="keepdims")
    def max(self, axis=None, keepdims: bool = False, dim: int | None = None):
        """max over axis (gradient split evenly among ties); with dim=, PyTorch's (values, indices)"""
        if dim is not None:
            return self._with_indices("max", axis, dim, keepdims)
        return reduce.Max.apply(self, axis=axis, keepdims=keepdims)

    @torch_names(keepdim="keepdims")
    def min(self, axis=None, keepdims: bool = False, dim: int | None = None):
        """min over axis (gradient split evenly among ties); with dim=, PyTorch's (values, indices)"""
        if dim is not None:
            return self._with_indices("min", axis, dim, keepdims)
        return reduce.Min.apply(self, axis=axis, keepdims=keepdims)

    def _with_indices(self, op: str, axis, dim, keepdims: bool) -> ValuesIndices:
        """PyTorch's `x.max(dim=d)`: the differentiable values and their int64 positions."""
        if axis is not None:
            raise TypeError(
                f"{op}: got both dim= (PyTorch's name) and axis= (NumPy's name); pass only one"
            )
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{op}(dim=...) takes one axis (an int), got {dim!r}")
        values = getattr(self, op)(axis=dim, keepdims=keepdims)
        return ValuesIndices(values, getattr(self, "arg" + op)(axis=dim, keepdims=keepdims))

    @torch_names(dim="axis", keepdim="keepdims")
    def argmax(self, axis=None, keepdims: bool = False):
        """position of the max over axis (flattened when None), an int64 constant Tensor"""
        return type(self)(np.argmax(self._data, axis=axis, keepdims=keepdims))

    @torch_names(dim="axis", keepdim="keepdims")
    def argmin(self, axis=None, keepdims: bool = False):
        """position of the min over axis (flattened when None), an int64 constant Tensor"""
        return type(self)(np.argmin(self._data, axis=axis, keepdims=keepdims))

    @torch_names(dim="axis", keepdim="keepdims")
    def var(self, axis=None, keepdims: bool = False, ddof=None, unbiased=None, correction=None):
        """Σ (x - mean)² / (n - ddof) over axis; ddof=0 unless given (PyTorch: unbiased=, correction=)"""
        ddof = ddof_of("var", ddof, unbiased, correction)
        return reduce.Var.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)

    @torch_names(dim="axis", keepdim="keepdims")
    def std(self, axis=None, keepdims: bool = False, ddof=None, unbiased=None, correction=None):
        """√var over axis, gradient 0 where all elements are equal (ddof / unbiased / correction as var)"""
        ddof = ddof_of("std", ddof, unbiased, correction)
        return reduce.Std.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)


class ShapeMethods:
    """reshape, view, transpose, permute, squeeze, flatten, split, ... (no data is changed)."""

    __slots__ = ()

    def reshape(self, *new_shape):
        """the same elements in a new shape (-1 infers one axis)"""
        if len(new_shape) == 1 and isinstance(new_shape[0], (tuple, list)):
            new_shape = tuple(new_shape[0])
        return shape.Reshape.apply(self, shape=new_shape)

    def view(self, *new_shape):
        """reshape (-1 infers one axis).

        PyTorch's view never copies, so it refuses a non-contiguous tensor (e.g. after .T) and
        asks for reshape; here view is reshape, which copies only when it must.
        """
        return self.reshape(*new_shape)

    def transpose(self, *axes):
        """permute axes (reverse them when none are given); two ints swap those two axes.

        x.transpose((1, 0, 2)) is NumPy's permutation; x.transpose(0, 1) is PyTorch's
        transpose(dim0, dim1), the same as x.swapaxes(0, 1).
        """
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            return self.swapaxes(*axes)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return shape.Transpose.apply(self, axes=axes or None)

    @property
    def T(self):
        """axes reversed"""
        return shape.Transpose.apply(self, axes=None)

    def broadcast_to(self, new_shape):
        """stretched to new_shape like NumPy broadcasting"""
        return shape.BroadcastTo.apply(self, shape=tuple(new_shape))

    def permute(self, *dims):
        """axes in the order dims (PyTorch's name for NumPy's transpose(axes))"""
        return self.transpose(*dims)

    def swapaxes(self, axis0: int, axis1: int):
        """two axes exchanged (PyTorch's transpose(dim0, dim1))"""
        return shape.SwapAxes.apply(self, axis1=axis0, axis2=axis1)

    @torch_names(dim="axis")
    def squeeze(self, axis=None):
        """size-1 axes removed (all of them, or the given ones)"""
        return shape.Squeeze.apply(self, axis=axis)

    @torch_names(dim="axis")
    def unsqueeze(self, axis: int):
        """a new size-1 axis at position axis (NumPy: expand_dims)"""
        return shape.Unsqueeze.apply(self, axis=axis)

    expand_dims = unsqueeze

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        """axes start_dim..end_dim merged into one (all of them by default: a 1-D tensor)"""
        dims = self.shape
        if not dims:
            return self.reshape(1)
        start, end = start_dim % len(dims), end_dim % len(dims)
        merged = int(np.prod(dims[start : end + 1]))
        return self.reshape(dims[:start] + (merged,) + dims[end + 1 :])

    def split(self, indices_or_sections, axis: int = 0) -> list:
        """pieces along axis, as numpy.split: an int n gives n equal parts, a list gives cut points.

        Each piece is a slice `x[..., a:b]` of the graph, so its gradient lands in the right place.
        """
        if self.ndim == 0:
            raise ValueError("split: cannot split a 0-d tensor")
        if not -self.ndim <= axis < self.ndim:
            raise ValueError(f"split: axis {axis} is out of range for shape {self.shape}")
        axis %= self.ndim
        length = self.shape[axis]
        if isinstance(indices_or_sections, (int, np.integer)):
            sections = int(indices_or_sections)
            if sections <= 0 or length % sections:
                raise ValueError(
                    f"split: axis {axis} of shape {self.shape} (length {length}) cannot be split "
                    f"into {sections} equal parts; pass cut positions instead, e.g. [2, 5]"
                )
            step = length // sections
            cuts = [step * i for i in range(1, sections)]
        else:
            cuts = [int(i) for i in indices_or_sections]
        bounds = [0, *cuts, length]
        lead = (slice(None),) * axis
        return [self[lead + (slice(start, stop),)] for start, stop in zip(bounds[:-1], bounds[1:])]
