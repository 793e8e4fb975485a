"""Numerical gradients: central finite differences in float64 (`numerical_grad`, Jacobians)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Node
from .helpers import (
    _as_tuple,
    _cast,
    _differentiable,
    _dtype_of,
    _flat_outputs,
    _nudged,
    _outputs_tuple,
    _raw_array,
    default_eps,
)


# ---- numerical ---------------------------------------------------------------------------------
def numerical_jacobian(fn: Callable, inputs: Any, eps: float | None = None) -> list:
    """Central-difference Jacobians: result[j][i] has shape output_j.shape + input_i.shape.

    Inputs that do not require grad get a Jacobian of zeros (they are held constant).
    When fn returns a single output, `result[0]` is that output's list of Jacobians.
    """
    inputs = _as_tuple(inputs)
    outputs = _outputs_tuple(fn(*inputs))
    out_shapes = [
        () if o is None else np.shape(o.data if isinstance(o, Node) else o) for o in outputs
    ]
    jacobians = [
        [np.zeros(shape + np.shape(x.data if isinstance(x, Node) else x)) for x in inputs]
        for shape in out_shapes
    ]
    for i, x in enumerate(inputs):
        if not _differentiable(x):
            continue
        h = default_eps(_dtype_of(x)) if eps is None else float(eps)
        base = _raw_array(x).ravel()
        for k in range(base.size):
            columns, points = [], []
            for sign in (1.0, -1.0):
                args = list(inputs)
                args[i], point = _nudged(x, base, k, sign * h)
                columns.append(_flat_outputs(fn(*args)))
                points.append(point)
            for j, shape in enumerate(out_shapes):
                if columns[0][j].size == 0:
                    continue
                column = (columns[0][j] - columns[1][j]) / (points[0] - points[1])
                jacobians[j][i].reshape(int(np.prod(shape)), base.size)[:, k] = column
    return jacobians


def numerical_grad(
    fn: Callable,
    inputs: Any,
    eps: float | None = None,
    grad_outputs: Any = None,
    dtype: Any = None,
) -> tuple:
    """(L(θ+εeᵢ) − L(θ−εeᵢ)) / 2ε for every element, with L = Σ outputs · grad_outputs.

    The same contract as `mg.grad(fn(*inputs), inputs, grad_outputs)`: one gradient per input,
    shaped like the input (a float for a `Value` or a float input, a float64 ndarray otherwise).
    For a non-scalar output pass `grad_outputs` (an array of the output's shape).
    Differences are formed in float64; each input is perturbed in its own dtype with
    ε = cbrt(machine eps of that dtype) unless `eps` is given. `dtype=np.float64` evaluates fn on
    float64 copies of float Tensor/array inputs instead: an accurate oracle for float32 code.
    """
    inputs = _as_tuple(inputs)
    if dtype is not None:
        inputs = tuple(_cast(x, np.dtype(dtype)) for x in inputs)
    outputs = _outputs_tuple(fn(*inputs))
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Node) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"numerical_grad: fn returned {len(outputs)} outputs but {len(grad_outputs)} "
            "grad_outputs were given; pass one per output"
        )
    weights = []
    for j, (out, g) in enumerate(zip(outputs, grad_outputs)):
        shape = np.shape(out.data if isinstance(out, Node) else out)
        if g is None:
            if int(np.prod(shape)) != 1:
                raise ValueError(
                    f"numerical_grad: output {j} has shape {shape}, not a single number; "
                    "pass grad_outputs (an array of that shape) or reduce it (y.sum())"
                )
            g = np.ones(shape)
        weights.append(np.broadcast_to(_raw_array(g), shape).ravel())

    def loss(*args):
        flats = _flat_outputs(fn(*args))
        return float(sum(np.dot(w, f) for w, f in zip(weights, flats) if f.size))

    result = []
    for i, x in enumerate(inputs):
        base = _raw_array(x)
        if not _differentiable(x):
            result.append(np.zeros_like(base))
            continue
        h = default_eps(_dtype_of(x)) if eps is None else float(eps)
        flat = base.ravel()
        g = np.zeros(flat.size)
        for k in range(flat.size):
            args = list(inputs)
            args[i], x_plus = _nudged(x, flat, k, h)
            f_plus = loss(*args)
            args[i], x_minus = _nudged(x, flat, k, -h)
            f_minus = loss(*args)
            g[k] = (f_plus - f_minus) / (x_plus - x_minus)
        is_scalar_input = not isinstance(x.data if isinstance(x, Node) else x, np.ndarray)
        result.append(float(g[0]) if is_scalar_input else g.reshape(base.shape))
    return tuple(result)
