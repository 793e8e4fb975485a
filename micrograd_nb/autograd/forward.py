"""Forward mode: `jvp` pushes tangents (dual numbers) through a function in one pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .graph import Node
from .mode import forward_mode


def jvp(fn: Callable, primals: Sequence[Node], tangents: Sequence[Any]) -> tuple:
    """Evaluate fn(*primals) and its directional derivative along `tangents`.

    Each primal x carries a tangent dx, as the dual number x + dx·ε with ε² = 0; every
    operation maps (x, dx) to (f(x), f'(x)·dx) with its `jvp` rule. One pass gives
    J·v for one direction v, where reverse mode gives vᵀ·J for one output.
    Returns `(outputs, output_tangents)`, each a node/tuple like fn's result.
    """
    primals = tuple(primals)
    tangents = tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    duals = []
    for x, dx in zip(primals, tangents):
        if not isinstance(x, Node):
            raise TypeError(f"jvp: primals must be Value or Tensor, got {type(x).__name__}")
        dual = x.detach()
        dual.requires_grad = x.requires_grad
        dual.label = x.label
        dual._tangent = x._check_grad_output(dx.data if isinstance(dx, Node) else dx)
        duals.append(dual)

    with forward_mode():
        outputs = fn(*duals)

    def tangent_of(out):
        if not isinstance(out, Node):
            raise TypeError(f"jvp: fn must return Value/Tensor nodes, got {type(out).__name__}")
        return out._zero_like_data() if out._tangent is None else out._tangent

    if isinstance(outputs, (tuple, list)):
        return tuple(outputs), tuple(tangent_of(o) for o in outputs)
    return outputs, tangent_of(outputs)
