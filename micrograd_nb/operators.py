"""Arithmetic and elementwise functions shared by `Value` and `Tensor`: one mixin, one list.

Each method names its primitive and hands it to the front end's own constructor (`_binary`,
`_unary`), which records the node directly on the lean path (no mode on) or goes through
`Function.apply` otherwise. The derivative of every operation is in its class in
`micrograd_nb.primitives`. `Value` replaces the most used of these methods with its recorders
themselves (`micrograd_nb.value`), one Python call fewer per scalar operation.
"""

from __future__ import annotations

from .primitives import elementwise as ew


class Operators:
    """`+ - * / ** neg abs` and exp, log, sqrt, tanh, sigmoid, relu, leaky_relu."""

    __slots__ = ()

    def __add__(self, other):
        return self._binary(ew.Add, self, other)

    def __radd__(self, other):
        return self._binary(ew.Add, other, self)

    def __sub__(self, other):
        return self._binary(ew.Sub, self, other)

    def __rsub__(self, other):
        return self._binary(ew.Sub, other, self)

    def __mul__(self, other):
        return self._binary(ew.Mul, self, other)

    def __rmul__(self, other):
        return self._binary(ew.Mul, other, self)

    def __truediv__(self, other):
        return self._binary(ew.Div, self, other)

    def __rtruediv__(self, other):
        return self._binary(ew.Div, other, self)

    def __rpow__(self, base):
        return self._binary(ew.Pow, base, self)

    def __neg__(self):
        return self._unary(ew.Neg)

    def __abs__(self):
        return self._unary(ew.Abs)

    def exp(self):
        """e**x"""
        return self._unary(ew.Exp)

    def log(self):
        """natural log, x > 0"""
        return self._unary(ew.Log)

    def sqrt(self):
        """square root, x >= 0"""
        return self._unary(ew.Sqrt)

    def abs(self):
        """|x|"""
        return self._unary(ew.Abs)

    def tanh(self):
        """tanh(x)"""
        return self._unary(ew.Tanh)

    def sigmoid(self):
        """1 / (1 + e**-x)"""
        return self._unary(ew.Sigmoid)

    def relu(self):
        """max(x, 0)"""
        return self._unary(ew.ReLU)

    def leaky_relu(self, negative_slope: float = 0.01):
        """x if x > 0 else negative_slope * x"""
        return self._unary(ew.LeakyReLU, {"negative_slope": negative_slope})
