"""Why a check failed: hints about kinks, float precision and broadcast shapes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..autograd import Node, topological_order
from .helpers import _dtype_of, _flat_outputs, _fmt_index, _raw_array, _with_data


# ---- diagnosis ---------------------------------------------------------------------------------
def _graph_nodes(outputs: tuple) -> list:
    roots = [o for o in outputs if isinstance(o, Node)]
    return topological_order(roots, all_nodes=True) if roots else []


def _kink_hints(outputs: tuple, eps: float) -> list[str]:
    """Operations in the graph evaluated within a few ε of their kink (not differentiable there)."""
    hints = []
    for node in _graph_nodes(outputs):
        if node._ctx is None or node._ctx.fn.kinks not in ("zero", "ties"):
            continue
        op = node.op
        x = np.asarray(node.parents[0].data, dtype=np.float64)
        near = 10.0 * eps * (1.0 + np.abs(x))
        if node._ctx.fn.kinks == "zero":
            close = np.abs(x) <= near
            if close.any():
                where = np.argwhere(close)[0] if x.ndim else ()
                hints.append(
                    f"kink: {op} is evaluated at {float(x[tuple(where)]):.3g} (element "
                    f"{_fmt_index(tuple(where))}), within ε of its kink at 0 where it is not "
                    "differentiable; finite differences straddle the kink. Check at points away "
                    "from 0 (e.g. random inputs)."
                )
        else:
            axis = (node._ctx.options if hasattr(node._ctx, "options") else {}).get("axis")
            reducer = np.max if op == "max" else np.min
            extreme = reducer(x, axis=axis, keepdims=True)
            ties = (np.abs(x - extreme) <= near).sum(axis=axis)
            if np.any(np.asarray(ties) > 1):
                hints.append(
                    f"kink: {op} has two or more elements within ε of the {op}imum (a tie); "
                    f"{op} is not differentiable there. Check at points without ties."
                )
    return hints


def _one_sided_kink(
    fn: Callable, inputs: tuple, i: int, j: int, flat_in: int, flat_out: int, h: float
) -> bool:
    """True when the forward and backward one-sided slopes differ a lot (a kink at the point)."""
    x = inputs[i]
    base = _raw_array(x).ravel()
    values = []
    for step in (h, 0.0, -h):
        flat = base.copy()
        flat[flat_in] += step
        args = list(inputs)
        args[i] = _with_data(x, flat)
        values.append(_flat_outputs(fn(*args))[j][flat_out])
    forward = (values[0] - values[1]) / h
    backward = (values[1] - values[2]) / h
    return abs(forward - backward) > 0.1 * (abs(forward) + abs(backward)) + 1e-3


def _dtype_hint(inputs: tuple, outputs: tuple) -> list[str]:
    low = set()
    for x in (*inputs, *outputs):
        if x is None:
            continue
        dtype = _dtype_of(x)
        if dtype in (np.float32, np.float16):
            low.add(str(dtype))
    if not low:
        return []
    return [
        f"precision: the check runs in {'/'.join(sorted(low))}, where finite differences are "
        "only accurate to about 1e-5..1e-3 relative (float16: 1e-1). Check in float64 "
        "(Tensor(x, dtype=np.float64)) or pass a larger eps and a looser atol/rtol."
    ]


def _shape_hints(outputs: tuple) -> list[str]:
    """Backward rules that return a gradient in neither the input's nor the output's shape."""
    hints = []
    for node in _graph_nodes(outputs):
        ctx = node._ctx
        if ctx is None or not isinstance(node.data, np.ndarray):
            continue
        try:
            grads = ctx.fn.backward(ctx, np.ones_like(node.data))
        except Exception:  # noqa: BLE001 - diagnosis only; the real error was reported already
            continue
        grads = grads if isinstance(grads, tuple) else (grads,)
        for k, (parent, g) in enumerate(zip(ctx.inputs, grads)):
            if g is None or not parent.requires_grad:
                continue
            shape = np.shape(g)
            if shape not in (tuple(parent.shape), tuple(node.shape)):
                hints.append(
                    f"shape: the backward of '{node.op}' returns a gradient of shape {shape} for "
                    f"its input {k} of shape {tuple(parent.shape)} (output shape "
                    f"{tuple(node.shape)}); a gradient must have its input's shape."
                )
    return hints
