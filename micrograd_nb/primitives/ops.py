"""The rules' namespace: functions that take raw data (floats, arrays) *or* graph nodes.

A backward rule written with these (and arithmetic operators) computes on plain floats and
NumPy arrays in the ordinary backward pass and records a differentiable graph when
`create_graph=True`. (Not to be confused with `mg.nn.functional`, the layers' functions.)
"""

from __future__ import annotations

import numpy as np

from ..autograd import Node
from . import elementwise, linalg, raw, reduce, shape


def exp(x):
    """e**x"""
    return elementwise.Exp.apply(x) if isinstance(x, Node) else np.exp(x)


def log(x):
    """natural log"""
    return elementwise.Log.apply(x) if isinstance(x, Node) else raw.log(x)


def tanh(x):
    """tanh(x)"""
    return elementwise.Tanh.apply(x) if isinstance(x, Node) else np.tanh(x)


def sigmoid(x):
    """1 / (1 + e**-x), without overflow"""
    return elementwise.Sigmoid.apply(x) if isinstance(x, Node) else raw.sigmoid(x)


def where(condition, a, b):
    """a where condition holds, else b (condition is a constant boolean array; on raw data
    a Python number keeps the other operand's dtype, NEP 50)"""
    if isinstance(a, Node) or isinstance(b, Node):
        return elementwise.Where.apply(condition, a, b)
    return np.where(condition, a, b)


def mean(x, axis=None, keepdims=False):
    """Σ / n over `axis`"""
    if isinstance(x, Node):
        return reduce.Mean.apply(x, axis=axis, keepdims=keepdims)
    return np.mean(x, axis=axis, keepdims=keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - mirrors numpy.sum
    """Σ over `axis`"""
    if isinstance(x, Node):
        return reduce.Sum.apply(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def reshape(x, new_shape):
    """the same elements in a new shape"""
    if isinstance(x, Node):
        return shape.Reshape.apply(x, shape=tuple(new_shape))
    return np.reshape(x, new_shape)


def broadcast_to(x, new_shape):
    """x repeated along broadcast axes"""
    if isinstance(x, Node):
        return shape.BroadcastTo.apply(x, shape=tuple(new_shape))
    return np.broadcast_to(x, new_shape)


def sum_to_shape(x, new_shape):
    """Sum a gradient over the axes broadcasting added or stretched, back to `new_shape`."""
    if isinstance(x, Node):
        return shape.SumToShape.apply(x, shape=tuple(new_shape))
    return shape.sum_to_shape_raw(x, tuple(new_shape))


def swap_last_axes(x):
    """matrix transpose of the last two axes"""
    if isinstance(x, Node):
        return shape.SwapAxes.apply(x, axis1=-1, axis2=-2)
    return np.swapaxes(x, -1, -2)


def matmul(a, b):
    """a @ b"""
    if isinstance(a, Node) or isinstance(b, Node):
        return linalg.MatMul.apply(a, b)
    return np.matmul(a, b)


def scatter_add(grad, index, input_shape, dtype):
    """zeros(input_shape) with grad added at `index` (repeated indices accumulate)"""
    if isinstance(grad, Node):
        return shape.ScatterAdd.apply(grad, index=index, shape=input_shape)
    return shape.scatter_add_raw(grad, index, input_shape, dtype)


def getitem(x, index):
    """x[index]"""
    if isinstance(x, Node):
        return shape.GetItem.apply(x, index=index)
    return x[index]
