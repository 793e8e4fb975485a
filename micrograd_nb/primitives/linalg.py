"""Matrix product: y = a @ b; ā = ȳ bᵀ, b̄ = aᵀ ȳ (BLAS through np.matmul)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from . import ops


def _check_matmul_shapes(a_shape: tuple, b_shape: tuple) -> None:
    """Raise a ValueError naming both shapes when `a @ b` is undefined."""
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ValueError(f"matmul: {a_shape} @ {b_shape}: both operands need at least 1 dimension")
    inner_a = a_shape[-1]
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: {a_shape} @ {b_shape}: inner dimensions {inner_a} and {inner_b} differ "
            "(the last axis of the left operand must equal the "
            f"{'only' if len(b_shape) == 1 else 'second-to-last'} axis of the right one)"
        )
    batch_a, batch_b = a_shape[:-2], b_shape[:-2]
    if not (batch_a and batch_b):
        return  # matrices (or one batch of them): nothing else to agree on
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise ValueError(
            f"matmul: {a_shape} @ {b_shape}: batch dimensions {batch_a} and {batch_b} "
            "cannot be broadcast together"
        ) from None


class MatMul(Function):
    """a @ b; ā = ȳ @ bᵀ, b̄ = aᵀ @ ȳ (1-D operands are treated as a row / a column)"""

    name = "@"
    formulas = ("ȳ @ {b}ᵀ", "{a}ᵀ @ ȳ")
    # under autocast: float16 operands, whose `@` sums in float32 (arrays.half_array)
    autocast = "float16"

    @staticmethod
    def forward(ctx, a, b):
        _check_matmul_shapes(np.shape(a), np.shape(b))
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_shape, b_shape = ctx.inputs[0].shape, ctx.inputs[1].shape
        if len(a_shape) == 2 and len(b_shape) == 2:  # the common case, without reshapes
            grad_a = ops.matmul(grad, ops.swap_last_axes(b)) if need_a else None
            grad_b = ops.matmul(ops.swap_last_axes(a), grad) if need_b else None
            return grad_a, grad_b
        # Promote 1-D operands to matrices, as np.matmul does, and the gradient with them.
        a2 = ops.reshape(a, (1, a_shape[0])) if len(a_shape) == 1 else a
        b2 = ops.reshape(b, (b_shape[0], 1)) if len(b_shape) == 1 else b
        out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
        grad2 = ops.reshape(grad, out_shape)
        grad_a = grad_b = None
        if need_a:
            grad_a = ops.sum_to_shape(ops.matmul(grad2, ops.swap_last_axes(b2)), a2.shape)
            grad_a = ops.reshape(grad_a, a_shape)
        if need_b:
            grad_b = ops.sum_to_shape(ops.matmul(ops.swap_last_axes(a2), grad2), b2.shape)
            grad_b = ops.reshape(grad_b, b_shape)
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return np.matmul(da, b) + np.matmul(a, db)
