"""gradcheck's error type and the small helpers its sections share (dtypes, nudges, names)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Node


class GradcheckError(RuntimeError):
    """Analytical (backprop) and numerical (finite-difference) gradients disagree.

    Attributes: `input_index`, `output_index`, `index` (the worst element as
    (output index, input index)), `numerical`, `analytical`, `relative_error`, `hints`.
    """

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.input_index = details.get("input_index")
        self.output_index = details.get("output_index")
        self.index = details.get("index")
        self.numerical = details.get("numerical")
        self.analytical = details.get("analytical")
        self.relative_error = details.get("relative_error")
        self.hints = details.get("hints", [])


# ---- helpers -----------------------------------------------------------------------------------
def _dtype_of(x: Any) -> np.dtype:
    data = x.data if isinstance(x, Node) else x
    if isinstance(data, np.ndarray):
        return data.dtype
    return np.result_type(data)


def default_eps(dtype: Any) -> float:
    """ε ≈ cbrt(machine epsilon) of dtype: 6.06e-6 (float64), 4.9e-3 (float32), 0.099 (float16)."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    return float(np.cbrt(np.finfo(dtype).eps))


def _as_tuple(inputs: Any) -> tuple:
    if isinstance(inputs, (Node, np.ndarray, int, float)):
        return (inputs,)
    return tuple(inputs)


def _differentiable(x: Any) -> bool:
    """Nodes count when they require grad; raw floats/arrays always (they are just numbers)."""
    if isinstance(x, Node):
        return bool(x.requires_grad)
    return np.issubdtype(_dtype_of(x), np.floating) or isinstance(x, (int, float))


def _raw_array(x: Any) -> np.ndarray:
    """The data of a node or a number as a float64 array."""
    data = x.data if isinstance(x, Node) else x
    return np.array(data, dtype=np.float64)


def _with_data(x: Any, flat: np.ndarray) -> Any:
    """A fresh input like x (same kind, dtype, requires_grad, label) holding the values `flat`."""
    shape = np.shape(x.data if isinstance(x, Node) else x)
    values = flat.reshape(shape)
    if isinstance(x, Node):
        if x.shape == () and not isinstance(x.data, np.ndarray):  # Value (or a 0-d constant)
            node = type(x)._from_op(float(values), None, x.requires_grad)
        else:
            node = type(x)._from_op(values.astype(_dtype_of(x)), None, x.requires_grad)
        node.label = x.label
        return node
    if isinstance(x, np.ndarray):
        return values.astype(x.dtype)
    return float(values)


def _nudged(x: Any, flat: np.ndarray, k: int, step: float) -> tuple[Any, float]:
    """x with element k moved by `step`, and that element's value as actually stored.

    In float32 x + ε is rounded; dividing by the stored difference instead of 2ε removes that
    rounding from the quotient.
    """
    moved = flat.copy()
    moved[k] += step
    node = _with_data(x, moved)
    return node, float(_raw_array(node).ravel()[k])


def _cast(x: Any, dtype: np.dtype) -> Any:
    """A float Tensor/array input as a copy in `dtype` (others unchanged)."""
    data = x.data if isinstance(x, Node) else x
    if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
        return x
    if not isinstance(x, Node):
        return data.astype(dtype)
    node = type(x)._from_op(data.astype(dtype), None, x.requires_grad)
    node.label = x.label
    return node


def _outputs_tuple(result: Any) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _flat_outputs(result: Any) -> list[np.ndarray]:
    """Each output's data as a flat float64 array (None entries, e.g. unused grads, give [])."""
    flats = []
    for out in _outputs_tuple(result):
        if out is None:
            flats.append(np.zeros(0))
        else:
            flats.append(_raw_array(out).ravel())
    return flats


def _name_input(i: int, x: Any) -> str:
    label = getattr(x, "label", "")
    return f"input {i}" + (f" '{label}'" if label else "")


def _fmt_index(index: tuple) -> str:
    return "()" if index == () else str(tuple(int(i) for i in index))
