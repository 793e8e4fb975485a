"""dtype casts and the mixed-precision matrix product that `mg.amp.autocast` uses.

`Cast` changes an array's dtype; its backward casts the gradient back to the input's dtype,
so a float32 parameter used in a float16 computation still receives a float32 gradient.

`HalfMatMul` is what GPU tensor cores do: float16 inputs and output, float32 accumulation.
NumPy's own float16 matmul runs a slow loop in C without BLAS, so the operands are widened to
float32, multiplied by BLAS, and the result is rounded to float16 once.
"""

from __future__ import annotations

import numpy as np

from ..arrays import half
from ..autograd import Function, Node
from . import ops
from .linalg import MatMul, _check_matmul_shapes


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
        return np.asarray(dx).astype(ctx.options["dtype"])


def cast(x, dtype):
    """x as `dtype`, recorded when x is a node (identity, without a node, if it already is)."""
    dtype = np.dtype(dtype)
    if isinstance(x, Node):
        return x if x.dtype == dtype else Cast.apply(x, dtype=dtype)
    return np.asarray(x).astype(dtype, copy=False)


def widen(x: np.ndarray) -> np.ndarray:
    """x as float32; a float16 x exactly, by the fast conversion in `micrograd_nb.arrays.half`."""
    return half.to_float32(x)


def _astype(x, dtype) -> np.ndarray:
    """x as a new array of `dtype`; float16 <-> float32 by the fast exact conversions."""
    dtype = np.dtype(dtype)
    x = np.asarray(x)
    if dtype == np.float32 and x.dtype == np.float16:
        return half.to_float32(x)
    return _round(x, dtype)


def _round(x: np.ndarray, dtype) -> np.ndarray:
    """x rounded to `dtype` (float16); overflow to inf is expected, and GradScaler looks for it."""
    if np.dtype(dtype) == np.float16:
        return half.to_float16(x)  # bit for bit NumPy's rounding, faster
    with np.errstate(over="ignore"):
        return x.astype(dtype, copy=False)


def matmul_accumulate(a, b):
    """a @ b with the products summed in float32 (BLAS) and the result rounded to a's dtype once."""
    if np.result_type(a, b) == np.float16:
        return half.matmul(a, b)
    return _round(np.matmul(widen(a), widen(b)), np.result_type(a, b))


def _mm(a, b):
    """The mixed-precision product on raw arrays, or recorded when a rule runs on nodes."""
    if isinstance(a, Node) or isinstance(b, Node):
        return HalfMatMul.apply(a, b)
    return matmul_accumulate(a, b)


class HalfMatMul(Function):
    """a @ b for float16 a, b: float32 accumulation, float16 result; ā = ȳ bᵀ, b̄ = aᵀ ȳ likewise"""

    name = "@ (fp16)"
    formulas = MatMul.formulas

    @staticmethod
    def forward(ctx, a, b):
        _check_matmul_shapes(np.shape(a), np.shape(b))
        ctx.save_for_backward(a, b)  # float16 arrays: half the memory of float32 ones
        return matmul_accumulate(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.inputs[0].shape, ctx.inputs[1].shape
        if len(a_shape) == 2 and len(b_shape) == 2:
            if not isinstance(grad, Node):
                # float32 work arrays are reused (half.scratch); the grad is widened once
                g32 = half.to_float32(grad, "grad")
                grad_a = grad_b = None
                if need_a:
                    out = half.scratch("result", a_shape, np.float32)
                    grad_a = np.matmul(g32, half.to_float32(b, "b").T, out=out)
                    grad_a = _round(grad_a, grad.dtype)
                if need_b:
                    out = half.scratch("result", b_shape, np.float32)
                    grad_b = _round(np.matmul(half.to_float32(a, "a").T, g32, out=out), grad.dtype)
                return grad_a, grad_b
            grad_a = _mm(grad, ops.swap_last_axes(b)) if need_a else None
            grad_b = _mm(ops.swap_last_axes(a), grad) if need_b else None
            return grad_a, grad_b
        # 1-D operands are promoted to matrices, as np.matmul does (same steps as MatMul).
        a2 = ops.reshape(a, (1, a_shape[0])) if len(a_shape) == 1 else a
        b2 = ops.reshape(b, (b_shape[0], 1)) if len(b_shape) == 1 else b
        out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
        grad2 = ops.reshape(grad, out_shape)
        grad_a = grad_b = None
        if need_a:
            grad_a = ops.reshape(
                ops.sum_to_shape(_mm(grad2, ops.swap_last_axes(b2)), a2.shape), a_shape
            )
        if need_b:
            grad_b = ops.reshape(
                ops.sum_to_shape(_mm(ops.swap_last_axes(a2), grad2), b2.shape), b_shape
            )
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return matmul_accumulate(da, b) + matmul_accumulate(a, db)
