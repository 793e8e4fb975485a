"""Compiled passes over float32 and float64 arrays: relu, its masked gradient, and unscaling.

Each one gives NumPy's bits in one pass over memory where NumPy takes two or three (or, for
relu, a slower `np.maximum` that checks for NaN element by element). They run on the Numba
kernels of `half_kernels` when Numba is installed and `half.use_compiled` is on; otherwise,
and for arrays too small to be worth a compiled call, NumPy computes the same results.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .half import compiled_kernels

_FLOAT32 = np.dtype(np.float32)
_FLOATS = (_FLOAT32, np.dtype(np.float64))
_SMALL = 1024  # fewer elements: NumPy is quicker than a compiled call


def _compiled_for(a: Any) -> Any:
    """The kernels module when `a` is a plain, contiguous float array worth a compiled pass."""
    if type(a) is np.ndarray and a.size >= _SMALL and a.dtype in _FLOATS and a.flags.c_contiguous:
        return compiled_kernels()
    return None


def relu(x: np.ndarray) -> np.ndarray:
    """np.maximum(x, 0), bit for bit: x where x > 0 or x is NaN, else +0."""
    kernels = _compiled_for(x)
    if kernels is None:
        return np.maximum(x, 0)
    out = np.empty(x.shape, x.dtype)
    kernels.positive_part(x.reshape(-1), out.reshape(-1))
    return out


def mask_product(grad: Any, mask: np.ndarray) -> Any:
    """grad * mask for a boolean mask (relu's derivative): for a float gradient of the mask's
    shape, one compiled pass with NumPy's bits (NumPy first converts the mask to floats)."""
    kernels = _compiled_for(grad)
    if kernels is not None and grad.shape == mask.shape and mask.flags.c_contiguous:
        out = np.empty(grad.shape, grad.dtype)
        kernels.mask_product(grad.reshape(-1), mask.view(np.uint8).reshape(-1), out.reshape(-1))
        return out
    return grad * mask


def unscaled(grad: np.ndarray, factor: float) -> tuple[np.ndarray, bool]:
    """(grad · factor as a new array, whether every element of grad is finite).

    `GradScaler.unscale_`'s work: one compiled pass over a float32 gradient instead of three
    (min, max and the product), which matters as the gradients no longer sit in the cache.
    """
    kernels = compiled_kernels()
    if kernels is not None and grad.dtype == _FLOAT32 and grad.size:
        if grad.flags.c_contiguous or grad.flags.f_contiguous:  # a matrix or its transpose
            out = np.empty_like(grad)  # in grad's memory order, so both ravel to views
            finite = kernels.unscale(
                grad.ravel(order="K").view(np.uint32), np.float32(factor), out.ravel(order="K")
            )
            return out, bool(finite)
    finite = not grad.size or bool(np.isfinite(grad.min()) and np.isfinite(grad.max()))
    return np.multiply(grad, np.asarray(factor, dtype=grad.dtype), dtype=grad.dtype), finite
