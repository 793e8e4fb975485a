"""`Value`: a scalar node, micrograd-compatible, on the shared autograd core."""

from __future__ import annotations

import numbers

from .autograd import Node
from .primitives import elementwise as ew


class Value(Node):
    """A float that remembers how it was computed, so gradients can flow back to it.

    >>> x = Value(2.0, label="x"); y = x * x + 3 * x
    >>> y.backward(); x.grad     # dy/dx = 2x + 3
    7.0
    """

    __slots__ = ()

    def __init__(self, data: float, label: str = "", requires_grad: bool = True):
        if isinstance(data, Node):
            raise TypeError("Value(...) takes a number; use .detach() to copy a Value")
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value needs a real number, got {type(data).__name__}: {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._ctx = None
        self._tangent = None

    # ---- front-end hooks used by the core -------------------------------------------------
    @classmethod
    def _from_op(cls, data, ctx, requires_grad):
        node = object.__new__(cls)
        node.data = data if type(data) is float else float(data)
        node.grad = 0.0
        node.requires_grad = requires_grad
        node.label = ""
        node._ctx = ctx
        node._tangent = None
        return node

    @classmethod
    def _constant(cls, value, op_name: str):
        if not isinstance(value, numbers.Real):
            raise TypeError(
                f"{op_name}: cannot combine a Value with {type(value).__name__} {value!r}; "
                "use numbers or Values"
            )
        return cls._from_op(float(value), None, False)

    def _seed_grad(self) -> float:
        return 1.0

    def _check_grad_output(self, grad) -> float:
        return float(grad.data if isinstance(grad, Node) else grad)

    def _zero_like_data(self) -> float:
        return 0.0

    shape = ()

    def zero_grad(self) -> None:
        """Reset `.grad` to 0.0 (micrograd's convention for scalars)."""
        self.grad = 0.0

    def item(self) -> float:
        """The data as a Python float."""
        return self.data

    def __float__(self) -> float:
        return self.data

    # ---- arithmetic -----------------------------------------------------------------------
    def __add__(self, other):
        return ew.Add.apply(self, other)

    def __radd__(self, other):
        return ew.Add.apply(other, self)

    def __sub__(self, other):
        return ew.Sub.apply(self, other)

    def __rsub__(self, other):
        return ew.Sub.apply(other, self)

    def __mul__(self, other):
        return ew.Mul.apply(self, other)

    def __rmul__(self, other):
        return ew.Mul.apply(other, self)

    def __truediv__(self, other):
        return ew.Div.apply(self, other)

    def __rtruediv__(self, other):
        return ew.Div.apply(other, self)

    def __neg__(self):
        return ew.Neg.apply(self)

    def __pow__(self, exponent):
        if isinstance(exponent, Node):
            return ew.Pow.apply(self, exponent)
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"**: exponent must be a number or a Value, got {exponent!r}")
        return ew.PowConst.apply(self, exponent=float(exponent))

    def __rpow__(self, base):
        return ew.Pow.apply(base, self)

    def __abs__(self):
        return ew.Abs.apply(self)

    # ---- functions ------------------------------------------------------------------------
    def exp(self):
        """e**x"""
        return ew.Exp.apply(self)

    def log(self):
        """natural log, x > 0"""
        return ew.Log.apply(self)

    def sqrt(self):
        """square root, x >= 0"""
        return ew.Sqrt.apply(self)

    def abs(self):
        """|x|"""
        return ew.Abs.apply(self)

    def tanh(self):
        """tanh(x)"""
        return ew.Tanh.apply(self)

    def sigmoid(self):
        """1 / (1 + e**-x)"""
        return ew.Sigmoid.apply(self)

    def relu(self):
        """max(x, 0)"""
        return ew.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01):
        """x if x > 0 else negative_slope * x"""
        return ew.LeakyReLU.apply(self, negative_slope=negative_slope)

    # ---- display --------------------------------------------------------------------------
    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"


Value._front = Value
