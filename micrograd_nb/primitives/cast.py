"""dtype casts: `Cast` changes an array's dtype; its backward casts the gradient back.

So a float32 parameter used in a float16 computation (`mg.amp.autocast`) still receives a
float32 gradient. A cast to float16 makes a `HalfArray` (`micrograd_nb.arrays.half_array`):
float16 data whose +, -, *, @ and relu run on fast exact kernels, so every rule that follows
computes in float16 unchanged (matrix products sum in float32, as GPU tensor cores do).
"""

from __future__ import annotations

import numpy as np

from ..arrays import half
from ..arrays.half_array import to_half
from ..autograd import Function, Node


class Cast(Function):
    """x.astype(dtype); x̄ = ȳ.astype(x.dtype) (a cast is the identity on values, up to rounding)"""

    name = "cast"
    formulas = ("astype(ȳ, dtype({x}))",)

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.input_dtype = np.result_type(x)
        return _astype(x, dtype)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Node):
            return Cast.apply(grad, dtype=ctx.input_dtype)
        return _astype(grad, ctx.input_dtype)

    @staticmethod
    def jvp(ctx, dx):
        return _astype(dx, ctx.options["dtype"])


def cast(x, dtype):
    """x as `dtype`, recorded when x is a node (identity, without a node, if it already is)."""
    dtype = np.dtype(dtype)
    if isinstance(x, Node):
        return x if x.dtype == dtype else Cast.apply(x, dtype=dtype)
    return np.asarray(x).astype(dtype, copy=False)


def _astype(x, dtype) -> np.ndarray:
    """x as a new array of `dtype`; float16 <-> float32 by the fast exact conversions."""
    dtype = np.dtype(dtype)
    x = np.asarray(x)
    if dtype == np.float32 and x.dtype == np.float16:
        return half.to_float32(x)
    if dtype == np.float16:
        return to_half(x)  # bit for bit NumPy's rounding, faster; overflow gives inf (GradScaler)
    with np.errstate(over="ignore"):
        return x.astype(dtype, copy=False)
