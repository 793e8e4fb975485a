"""Elementwise primitives: the table of derivatives, one class per operation.

Each rule is written with arithmetic operators, so it runs on raw floats/arrays in the ordinary
backward pass and on graph nodes when `create_graph=True` asks for higher-order gradients.
Rules return gradients in the *output's* shape; the engine sums them back over broadcast axes
(see `Tensor._fit_grad`), so broadcasting is handled in one place, not in every rule.
Masks such as relu's are computed from raw data and act as constants.
"""

from __future__ import annotations

from ..autograd import Elementwise, Linear
from . import ops, raw


class Add(Linear):
    """a + b; d/da = 1, d/db = 1"""

    name = "+"
    formulas = ("1", "1")
    formulas_are_partials = True
    passes_gradient = True  # backward: ā = ȳ, b̄ = ȳ

    @staticmethod
    def forward(ctx, a, b):
        return a + b


class Sub(Linear):
    """a - b; d/da = 1, d/db = -1"""

    name = "-"
    formulas = ("1", "-1")
    formulas_are_partials = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        # a constant subtrahend (x - 0.5) needs no negated copy of the gradient
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Neg(Linear):
    """-a; d/da = -1"""

    name = "neg"
    formulas = ("-1",)
    formulas_are_partials = True

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Elementwise):
    """a * b; d/da = b, d/db = a (the product swaps its inputs)"""

    name = "*"
    formulas = ("{b}", "{a}")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def partials(ctx, a, b):
        return b, a


class Div(Elementwise):
    """a / b; d/da = 1/b, d/db = -a/b**2"""

    name = "/"
    formulas = ("1/{b}", "-{a}/{b}²")

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def partials(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        # a constant divisor (x / 2) needs no -a/b² array
        return (1 / b if need_a else None), (-a / (b * b) if need_b else None)


class PowConst(Elementwise):
    """a ** p for a constant number p; d/da = p * a**(p-1)"""

    name = "**"
    formulas = ("{exponent}·{a}^({exponent}-1)",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return raw.pow(a, exponent)

    @staticmethod
    def partials(ctx, a):
        p = ctx.exponent
        return p * a ** (p - 1)

    @classmethod
    def formula(cls, index, names, out, options):
        """p·a^(p-1) with the numbers worked out: 2·z for z**2, 3·x^2 for x**3"""
        if isinstance(options.get("exponent"), str):  # symbolic (the table of derivatives)
            return super().formula(index, names, out, options)
        p = float(options["exponent"])
        power = "" if p - 1 == 1 else f"^{p - 1:g}"
        return f"{p:g}·{names[0]}{power}"


class Pow(Elementwise):
    """a ** b with b a node; d/da = b * a**(b-1), d/db = a**b * log(a) (needs a > 0)"""

    name = "**"
    formulas = ("{b}·{a}^({b}-1)", "{a}^{b}·ln({a})")
    autocast = "float32"

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
    def partials(ctx, a, b, out):
        need_a, need_b = ctx.needs_input_grad
        return (b * a ** (b - 1) if need_a else None), (out * ops.log(a) if need_b else None)


class Exp(Elementwise):
    """e**x; d/dx = e**x (the output itself)"""

    formulas = ("exp({x})",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x):
        out = raw.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def partials(ctx, out):
        return out


class Log(Elementwise):
    """log(x); d/dx = 1/x"""

    formulas = ("1/{x}",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return raw.log(x)

    @staticmethod
    def partials(ctx, x):
        return 1 / x


class Sqrt(Elementwise):
    """sqrt(x); d/dx = 1 / (2 sqrt(x))"""

    formulas = ("1/(2·√{x})",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x):
        out = raw.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def partials(ctx, out):
        return 1 / (2 * out)


class Abs(Elementwise):
    """|x|; d/dx = sign(x) (0 at the kink x = 0)"""

    formulas = ("sign({x})",)
    kinks = "zero"

    @staticmethod
    def forward(ctx, x):
        ctx.sign = raw.sign(x)
        return abs(x)

    @staticmethod
    def partials(ctx):
        return ctx.sign


class Tanh(Elementwise):
    """tanh(x); d/dx = 1 - tanh(x)**2"""

    formulas = ("1 - {out}²",)

    @staticmethod
    def forward(ctx, x):
        out = raw.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def slope(t):
        """d tanh/dx in terms of t = tanh(x) (gelu uses it too)."""
        return 1.0 - t * t  # a float, not 1: NumPy subtracts an array from it faster

    @staticmethod
    def partials(ctx, out):
        return Tanh.slope(out)


class Sigmoid(Elementwise):
    """σ(x) = 1 / (1 + e**-x); d/dx = σ(x)(1 - σ(x)), at most 0.25"""

    formulas = ("{out}·(1 - {out})",)

    @staticmethod
    def forward(ctx, x):
        out = raw.sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def partials(ctx, out):
        return out * (1 - out)


class ReLU(Elementwise):
    """max(x, 0); d/dx = 1 for x > 0, else 0 (0 at the kink)

    The mask is rebuilt from the saved output (out > 0 exactly where x > 0) rather than
    stored: a network then keeps no extra array per relu layer. For arrays it stays boolean,
    so backward multiplies by it without a float copy; it is a constant even under create_graph.
    """

    name = "relu"
    formulas = ("[{x} > 0]",)
    kinks = "zero"

    @staticmethod
    def forward(ctx, x):
        out = raw.relu(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def partials(ctx, out):
        if type(out) is not float:  # under create_graph `out` is a node: the mask is made from
            out = ctx._saved[0]  # its raw data, a constant that is not differentiated
        return (1.0 if out > 0.0 else 0.0) if type(out) is float else out > 0


class LeakyReLU(Elementwise):
    """x for x > 0, else slope * x; d/dx = 1 or slope"""

    name = "leaky_relu"
    formulas = ("[{x} > 0] + {negative_slope}·[{x} ≤ 0]",)
    kinks = "zero"

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        mask = raw.positive_mask(x)
        ctx.slope = mask + (1 - mask) * negative_slope
        return x * ctx.slope

    @staticmethod
    def partials(ctx):
        return ctx.slope
