"""Elementwise primitives: the table of derivatives, one class per operation.

Each rule is written with arithmetic operators, so it runs on raw floats/arrays in the ordinary
backward pass and on graph nodes when `create_graph=True` asks for higher-order gradients.
Rules return gradients in the *output's* shape; the engine sums them back over broadcast axes
(see `Tensor._fit_grad`), so broadcasting is handled in one place, not in every rule.
Masks such as relu's are computed from raw data and act as constants.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Node
from . import raw


def log(x):
    """log(x) on a node (recorded) or on raw data."""
    return Log.apply(x) if isinstance(x, Node) else raw.log(x)


class Add(Function):
    """a + b; d/da = 1, d/db = 1"""

    name = "+"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad

    @staticmethod
    def jvp(ctx, da, db):
        return da + db


class Sub(Function):
    """a - b; d/da = 1, d/db = -1"""

    name = "-"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad

    @staticmethod
    def jvp(ctx, da, db):
        return da - db


class Neg(Function):
    """-a; d/da = -1"""

    name = "neg"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @staticmethod
    def jvp(ctx, da):
        return -da


class Mul(Function):
    """a * b; d/da = b, d/db = a (the product swaps its inputs)"""

    name = "*"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return da * b + a * db


class Div(Function):
    """a / b; d/da = 1/b, d/db = -a/b**2"""

    name = "/"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * a / (b * b) if need_b else None)

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return da / b - a * db / (b * b)


class PowConst(Function):
    """a ** p for a constant number p; d/da = p * a**(p-1)"""

    name = "**"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return raw.pow(a, exponent)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        return grad * p * a ** (p - 1)

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        return da * p * a ** (p - 1)


class Pow(Function):
    """a ** b with b a node; d/da = b * a**(b-1), d/db = a**b * log(a) (needs a > 0)"""

    name = "**"

    @staticmethod
    def forward(ctx, a, b):
        if type(a) is float and a <= 0.0:
            raise ValueError(
                f"pow: base {a!r} must be > 0 when the exponent is a Value "
                "(d/db of a**b = a**b * log(a), and log needs a > 0)"
            )
        out = raw.pow(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if need_a else None
        grad_b = grad * out * log(a) if need_b else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, da, db):
        a, b, out = ctx.saved_tensors
        return da * b * a ** (b - 1) + db * out * raw.log(a)


class Exp(Function):
    """e**x; d/dx = e**x (the output itself)"""

    @staticmethod
    def forward(ctx, x):
        out = raw.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out

    @staticmethod
    def jvp(ctx, dx):
        (out,) = ctx.saved_tensors
        return dx * out


class Log(Function):
    """log(x); d/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return raw.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x

    @staticmethod
    def jvp(ctx, dx):
        (x,) = ctx.saved_tensors
        return dx / x


class Sqrt(Function):
    """sqrt(x); d/dx = 1 / (2 sqrt(x))"""

    @staticmethod
    def forward(ctx, x):
        out = raw.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)

    @staticmethod
    def jvp(ctx, dx):
        (out,) = ctx.saved_tensors
        return dx / (2 * out)


class Abs(Function):
    """|x|; d/dx = sign(x) (0 at the kink x = 0)"""

    @staticmethod
    def forward(ctx, x):
        ctx.sign = raw.sign(x)
        return abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.sign

    @staticmethod
    def jvp(ctx, dx):
        return dx * ctx.sign


class Tanh(Function):
    """tanh(x); d/dx = 1 - tanh(x)**2"""

    @staticmethod
    def forward(ctx, x):
        out = raw.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)

    @staticmethod
    def jvp(ctx, dx):
        (out,) = ctx.saved_tensors
        return dx * (1 - out * out)


class Sigmoid(Function):
    """σ(x) = 1 / (1 + e**-x); d/dx = σ(x)(1 - σ(x)), at most 0.25"""

    @staticmethod
    def forward(ctx, x):
        out = raw.sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)

    @staticmethod
    def jvp(ctx, dx):
        (out,) = ctx.saved_tensors
        return dx * out * (1 - out)


class ReLU(Function):
    """max(x, 0); d/dx = 1 for x > 0, else 0 (0 at the kink)

    For arrays the mask is rebuilt in backward from the saved output (out > 0 exactly where
    x > 0) rather than stored: a network then keeps no extra array per relu layer.
    """

    name = "relu"

    @staticmethod
    def forward(ctx, x):
        out = raw.relu(x)
        if type(x) is float:
            ctx.mask = raw.positive_mask(x)
        else:
            ctx.save_for_backward(out)
        return out

    @staticmethod
    def _mask(ctx):
        """1 where x > 0, else 0: a constant, computed from raw data even under create_graph."""
        mask = ctx.__dict__.get("mask")
        return raw.positive_mask(ctx._saved[0]) if mask is None else mask

    @staticmethod
    def backward(ctx, grad):
        if type(grad) is np.ndarray and "mask" not in ctx.__dict__:
            # multiplying by the boolean mask itself skips a float copy of it (a full pass)
            return np.multiply(grad, ctx._saved[0] > 0)
        return grad * ReLU._mask(ctx)

    @staticmethod
    def jvp(ctx, dx):
        return dx * ReLU._mask(ctx)


class LeakyReLU(Function):
    """x for x > 0, else slope * x; d/dx = 1 or slope"""

    name = "leaky_relu"

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        mask = raw.positive_mask(x)
        ctx.slope = mask + (1 - mask) * negative_slope
        return x * ctx.slope

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.slope

    @staticmethod
    def jvp(ctx, dx):
        return dx * ctx.slope


def _larger_share(a, b):
    """How much of max(a, b)'s gradient goes to a: 1 where a > b, ½ on ties, else 0."""
    share = (a > b) + 0.5 * (a == b)
    dtype = np.result_type(a, b)
    return share.astype(dtype) if np.issubdtype(dtype, np.floating) else share


class Maximum(Function):
    """max(a, b) elementwise; d/da = 1 where a > b, d/db = 1 where b > a (ties: ½ each)

    On a tie both inputs are "the max", so the gradient is split evenly (as in PyTorch);
    the two shares always add up to the incoming gradient.
    """

    name = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        ctx.share_a = _larger_share(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        share = ctx.share_a
        return (grad * share if need_a else None), (grad * (1 - share) if need_b else None)

    @staticmethod
    def jvp(ctx, da, db):
        return da * ctx.share_a + db * (1 - ctx.share_a)


class Minimum(Function):
    """min(a, b) elementwise; d/da = 1 where a < b, d/db = 1 where b < a (ties: ½ each)"""

    name = "minimum"

    @staticmethod
    def forward(ctx, a, b):
        ctx.share_a = _larger_share(b, a)  # a wins the minimum where b is the larger one
        return np.minimum(a, b)

    backward = Maximum.backward
    jvp = Maximum.jvp


class Where(Function):
    """where(cond, a, b) = a where cond else b; ā = ȳ where cond (else 0), b̄ = ȳ elsewhere"""

    name = "where"

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition)
        if condition.dtype != np.bool_:
            raise TypeError(
                f"where: the condition must be a boolean array, got dtype {condition.dtype}; "
                "build it with a comparison such as x > 0"
            )
        ctx.condition = condition
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        _, need_a, need_b = ctx.needs_input_grad
        cond = ctx.condition
        grad_a = _route(cond, grad, 0) if need_a else None
        grad_b = _route(cond, 0, grad) if need_b else None
        return None, grad_a, grad_b

    @staticmethod
    def jvp(ctx, dcondition, da, db):
        return np.where(ctx.condition, da, db)


def _route(condition, a, b):
    """np.where on raw data; the Where primitive itself on graph nodes (create_graph)."""
    if isinstance(a, Node) or isinstance(b, Node):
        return Where.apply(condition, a, b)
    return np.where(condition, a, b)  # keeps grad's dtype: 0 is a weak Python scalar (NEP 50)


class Clip(Function):
    """clip(x, lo, hi); d/dx = 1 where lo ≤ x ≤ hi (boundaries included), else 0

    At exactly x = lo or x = hi the gradient is 1 (as in PyTorch's `clamp`), so a value
    sitting on the boundary can still move back inside.
    """

    name = "clip"

    @staticmethod
    def forward(ctx, x, min=None, max=None):  # noqa: A002 - numpy/PyTorch argument names
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        inside = np.ones(x.shape, dtype=bool)
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        ctx.inside = inside.astype(x.dtype)
        return np.clip(x, min, max)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.inside

    @staticmethod
    def jvp(ctx, dx):
        return dx * ctx.inside
