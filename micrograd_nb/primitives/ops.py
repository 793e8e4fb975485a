"""The rules' namespace: functions that take raw data (floats, arrays) *or* graph nodes.

A backward rule written with these (and arithmetic operators) computes on plain floats and
NumPy arrays in the ordinary backward pass and records a differentiable graph when
`create_graph=True`. (Not to be confused with `mg.nn.functional`, the layers' functions.)
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..autograd import Node
from . import raw

#: the primitive classes that record these functions on graph nodes (Exp, Sum, MatMul, ...).
#: `micrograd_nb.primitives` fills it in after importing every primitive module: the rules use
#: this namespace and this namespace uses the rules, so neither module imports the other.
recorded = SimpleNamespace()


def exp(x):
    """e**x"""
    return recorded.Exp.apply(x) if isinstance(x, Node) else np.exp(x)


def log(x):
    """natural log"""
    return recorded.Log.apply(x) if isinstance(x, Node) else raw.log(x)


def tanh(x):
    """tanh(x)"""
    return recorded.Tanh.apply(x) if isinstance(x, Node) else np.tanh(x)


def sigmoid(x):
    """1 / (1 + e**-x), without overflow"""
    return recorded.Sigmoid.apply(x) if isinstance(x, Node) else raw.sigmoid(x)


def where(condition, a, b):
    """a where condition holds, else b (condition is a constant boolean array; on raw data
    a Python number keeps the other operand's dtype, NEP 50)"""
    if isinstance(a, Node) or isinstance(b, Node):
        return recorded.Where.apply(condition, a, b)
    return np.where(condition, a, b)


def mean(x, axis=None, keepdims=False):
    """Σ / n over `axis`"""
    if isinstance(x, Node):
        return recorded.Mean.apply(x, axis=axis, keepdims=keepdims)
    return np.mean(x, axis=axis, keepdims=keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - mirrors numpy.sum
    """Σ over `axis`"""
    if isinstance(x, Node):
        return recorded.Sum.apply(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def reshape(x, new_shape):
    """the same elements in a new shape"""
    if isinstance(x, Node):
        return recorded.Reshape.apply(x, shape=tuple(new_shape))
    return np.reshape(x, new_shape)


def broadcast_to(x, new_shape):
    """x repeated along broadcast axes"""
    if isinstance(x, Node):
        return recorded.BroadcastTo.apply(x, shape=tuple(new_shape))
    return np.broadcast_to(x, new_shape)


def sum_to_shape(x, new_shape):
    """Sum a gradient over the axes broadcasting added or stretched, back to `new_shape`."""
    if isinstance(x, Node):
        return recorded.SumToShape.apply(x, shape=tuple(new_shape))
    return raw.sum_to_shape(x, tuple(new_shape))


def swap_last_axes(x):
    """matrix transpose of the last two axes"""
    if isinstance(x, Node):
        return recorded.SwapAxes.apply(x, axis1=-1, axis2=-2)
    # the method: a HalfArray's view without a pass through NumPy's __array_function__
    return x.swapaxes(-1, -2) if isinstance(x, np.ndarray) else np.swapaxes(x, -1, -2)


def matmul(a, b):
    """a @ b"""
    if isinstance(a, Node) or isinstance(b, Node):
        return recorded.MatMul.apply(a, b)
    return np.matmul(a, b)


def scatter_add(grad, index, input_shape, dtype):
    """zeros(input_shape) with grad added at `index` (repeated indices accumulate)"""
    if isinstance(grad, Node):
        return recorded.ScatterAdd.apply(grad, index=index, shape=input_shape)
    return raw.scatter_add(grad, index, input_shape, dtype)


def getitem(x, index):
    """x[index]"""
    if isinstance(x, Node):
        return recorded.GetItem.apply(x, index=index)
    return x[index]
