"""Math on raw data: Python floats (for `Value`) or NumPy arrays (for `Tensor`).

Each function picks the `math` version for a float (fast, exact IEEE results) and the NumPy
ufunc for an array. Scalar domain errors raise a `ValueError` that names the operation;
arrays follow NumPy (nan/inf), as they do in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import floats, half
from ..arrays.half_array import to_half


def exp(x):
    """e**x; overflows to inf instead of raising."""
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf
    return np.exp(x)


def log(x):
    """Natural logarithm; defined for x > 0."""
    if type(x) is float:
        if x <= 0.0:
            raise ValueError(f"log: input must be > 0, got {x!r} (log is undefined there)")
        return math.log(x)
    return np.log(x)


def sqrt(x):
    """Square root; defined for x >= 0."""
    if type(x) is float:
        if x < 0.0:
            raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
        return math.sqrt(x)
    return np.sqrt(x)


def tanh(x):
    """Hyperbolic tangent; saturates to ±1 without overflow."""
    return math.tanh(x) if type(x) is float else np.tanh(x)


def sigmoid(x):
    """1 / (1 + e**-x), computed without overflow for any sign of x."""
    if type(x) is float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        try:
            z = math.exp(x)
        except OverflowError:  # pragma: no cover - exp of a negative float cannot overflow
            z = 0.0
        return z / (1.0 + z)
    # e**-softplus(-x) = 1/(1+e**-x); logaddexp never overflows.
    return np.exp(-np.logaddexp(np.zeros((), x.dtype), -x))


def pow(base, exponent):
    """base ** exponent, with a clear error where real powers are undefined."""
    if type(base) is float:
        if base < 0.0 and not float(exponent).is_integer():
            raise ValueError(
                f"pow: negative base {base!r} to the non-integer power {exponent!r} is not real"
            )
        if base == 0.0 and exponent < 0:
            raise ValueError(f"pow: 0 to the negative power {exponent!r} is undefined")
        try:
            return base**exponent
        except OverflowError:
            return math.inf if base > 0 or float(exponent) % 2 == 0 else -math.inf
    return base**exponent


def sign(x):
    """-1, 0 or 1 (the derivative of |x|, taking 0 at the kink)."""
    if type(x) is float:
        return (x > 0.0) - (x < 0.0) + 0.0
    return np.sign(x)


def relu(x):
    """max(x, 0)."""
    if type(x) is float:
        return x if x > 0.0 else 0.0
    return floats.relu(x)


def positive_mask(x):
    """1 where x > 0, else 0, in x's type (the derivative of relu)."""
    if type(x) is float:
        return 1.0 if x > 0.0 else 0.0
    return (x > 0).astype(x.dtype)


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added (leading) or stretched (size 1)."""
    extra = grad.ndim - len(shape)
    if extra == 1 and grad.shape[1:] == shape and grad.dtype != np.float16:
        return np.add.reduce(grad, axis=0)  # the common case: a bias's gradient over a batch
    if extra < 0:
        return np.broadcast_to(grad, shape)
    stretched = tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    axes = tuple(range(extra)) + stretched
    if axes and grad.dtype == np.float16:
        # float32 accumulation and one rounding, as GPUs reduce float16 gradients: a float16
        # running sum would lose the small terms (and NumPy's float16 sums are slow)
        grad = to_half(half.sum_in_float32(grad, axes))
    elif axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _has_integer_array(index) -> bool:
    """True when `index` holds an integer array or list (the only way to repeat an element)."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, (list, np.ndarray)) and np.asarray(part).dtype != np.bool_:
            return True
    return False


def scatter_add(grad, index, shape, dtype) -> np.ndarray:
    """zeros(shape) with `grad` added at `index`; repeated integer indices accumulate."""
    out = np.zeros(shape, dtype=dtype)
    if _has_integer_array(index):
        np.add.at(out, index, grad)  # unbuffered: x[[0, 0]] sends two gradients to x[0]
    else:
        out[index] = grad  # ints, slices and masks never select an element twice
    return out
