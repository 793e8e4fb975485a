"""float16 versions of the elementwise ops that autocast leaves in float16 (+, -, *, relu).

Same rules and results as the float32 classes they extend, bit for bit what NumPy's float16
ufuncs give, but computed with `micrograd_nb.arrays.half`'s fast exact conversions (float32 op,
one rounding) instead of NumPy's element-by-element float16 loops. When a rule runs on graph
nodes (`create_graph=True`) or on other dtypes, the parent class's rule runs unchanged.
"""

from __future__ import annotations

import numpy as np

from ..arrays import half
from ..autograd import Node
from ..primitives.elementwise import Add, Mul, ReLU, Sub


def _both_half(a, b) -> bool:
    return half.is_half(a) and half.is_half(b)


class HalfAdd(Add):
    """a + b for float16 arrays (one float32 add, one rounding); backward passes grad through"""

    name = "+"

    @staticmethod
    def forward(ctx, a, b):
        return half.half_binary(np.add, a, b) if _both_half(a, b) else a + b


class HalfSub(Sub):
    """a - b for float16 arrays; d/da = 1, d/db = -1 (negation is exact: a sign flip)"""

    name = "-"

    @staticmethod
    def forward(ctx, a, b):
        return half.half_binary(np.subtract, a, b) if _both_half(a, b) else a - b


class HalfMul(Mul):
    """a * b for float16 arrays; ā = ȳ b, b̄ = ȳ a, each product rounded once to float16"""

    name = "*"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return half.half_binary(np.multiply, a, b) if _both_half(a, b) else a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if isinstance(grad, Node) or not (_both_half(a, b) and half.is_half(grad)):
            return Mul.backward(ctx, grad)
        need_a, need_b = ctx.needs_input_grad
        grad_a = half.half_binary(np.multiply, grad, b) if need_a else None
        grad_b = half.half_binary(np.multiply, grad, a) if need_b else None
        return grad_a, grad_b


class HalfReLU(ReLU):
    """max(x, 0) for a float16 array, on its 16 bits; x̄ = ȳ where x > 0, else a signed 0"""

    name = "relu"

    @staticmethod
    def forward(ctx, x):
        if not half.is_half(x):
            return ReLU.forward(ctx, x)
        out = half.relu(x)
        ctx.save_for_backward(out)  # the mask is rebuilt from the output, as ReLU does
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx._saved[0] if ctx._saved else None
        if isinstance(grad, Node) or not (half.is_half(grad) and half.is_half(out)):
            return ReLU.backward(ctx, grad)
        return half.relu_backward(grad, out)


#: float32 class -> its float16 version, used by autocast when every input is float16
HALF_ELEMENTWISE: dict = {Add: HalfAdd, Sub: HalfSub, Mul: HalfMul, ReLU: HalfReLU}
