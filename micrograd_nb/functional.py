"""Tensor functions with NumPy names: `mg.where`, `mg.maximum`, `mg.concatenate`, ...

Each one records a single primitive from `micrograd_nb.primitives`, where its derivative is.
Arguments may be Tensors, ndarrays or numbers; at least one should be a Tensor for the result
to take part in a graph (otherwise the result is a constant Tensor).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .autograd import Node
from .primitives import select
from .primitives import shape as shape_ops
from .spelling import torch_names
from .tensor import Tensor


def _tensor(x) -> Tensor:
    """x itself if it is a Tensor, else a constant Tensor of it."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Node):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return Tensor(x)


def where(condition, a, b) -> Tensor:
    """a where condition is True, else b (broadcast); gradient flows to the chosen side only."""
    condition = condition.data if isinstance(condition, Node) else np.asarray(condition)
    if not isinstance(a, Node) and not isinstance(b, Node):
        a = _tensor(a)
    return select.Where.apply(condition, a, b)


def maximum(a, b) -> Tensor:
    """elementwise max(a, b); on ties each input gets half of the gradient."""
    return Tensor._binary(select.Maximum, _tensor(a) if not isinstance(b, Node) else a, b)


def minimum(a, b) -> Tensor:
    """elementwise min(a, b); on ties each input gets half of the gradient."""
    return Tensor._binary(select.Minimum, _tensor(a) if not isinstance(b, Node) else a, b)


def clip(x, min=None, max=None) -> Tensor:  # noqa: A002 - numpy's argument names
    """x limited to [min, max]; gradient 1 inside (boundaries included), 0 outside."""
    return _tensor(x).clip(min, max)


@torch_names(dim="axis")
def concatenate(tensors: Sequence, axis: int = 0) -> Tensor:
    """join tensors along an existing axis (numpy.concatenate, torch.cat: dim= for axis=)."""
    tensors = _sequence("concatenate", tensors)
    return shape_ops.Concatenate.apply(*tensors, axis=axis)


@torch_names(dim="axis")
def stack(tensors: Sequence, axis: int = 0) -> Tensor:
    """join same-shaped tensors along a new axis (numpy.stack, torch.stack: dim= for axis=)."""
    tensors = _sequence("stack", tensors)
    return shape_ops.Stack.apply(*tensors, axis=axis)


def split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """pieces of x along axis, as numpy.split: an int n gives n equal parts, a list gives cut points."""
    return _tensor(x).split(indices_or_sections, axis=axis)


def _sequence(op: str, tensors) -> list:
    if isinstance(tensors, Node) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: pass a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: need at least one tensor")
    if not any(isinstance(t, Node) for t in tensors):
        tensors = [_tensor(tensors[0]), *tensors[1:]]
    return list(tensors)


__all__ = ["clip", "concatenate", "maximum", "minimum", "split", "stack", "where"]
