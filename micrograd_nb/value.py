"""`Value`: a scalar node, micrograd-compatible, on the shared autograd core."""

from __future__ import annotations

import numbers

from .autograd import Context, Node, failure
from .autograd.function import PairContext, SingleContext
from .autograd.mode import modes
from .operators import Operators
from .primitives import elementwise as ew


class Value(Operators, Node):
    """A float that remembers how it was computed, so gradients can flow back to it.

    >>> x = Value(2.0, label="x"); y = x * x + 3 * x
    >>> y.backward(); x.grad     # dy/dx = 2x + 3
    7.0
    """

    __slots__ = ()
    _fits_grad = False  # a float gradient needs no reshaping

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
        self._pending = None

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
        node._pending = None
        return node

    @classmethod
    def _constant(cls, value, op_name: str):
        if type(value) is not float and not isinstance(value, numbers.Real):
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

    # ---- arithmetic (the rest is in Operators) -----------------------------------------------
    def __pow__(self, exponent):
        if isinstance(exponent, Node):
            return ew.Pow.apply(self, exponent)
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"**: exponent must be a number or a Value, got {exponent!r}")
        return self._unary(ew.PowConst, {"exponent": float(exponent)})

    # ---- the lean path: Value's own node constructors ---------------------------------------
    # With no mode on (see autograd.mode), an operator builds its context and output node right
    # here: the operation's `forward` runs on the floats and nothing else is looked up. Any mode
    # (no_grad, anomaly, autocast, jvp) takes the general `Function.apply` instead.
    @staticmethod
    def _binary(fn, a, b) -> Value:
        """fn(a, b) recorded on Values (either may be a plain number)."""
        if type(a) is not Value:
            a = _operand(a, fn)
        if type(b) is not Value:
            b = _operand(b, fn)
        if not modes.lean:
            return fn.apply(a, b)
        ctx = PairContext(fn, a, b)
        try:
            out = fn.forward(ctx, a.data, b.data)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            failure.record_forward(err, ctx)
            raise
        return _node(out, ctx, a.requires_grad or b.requires_grad)

    @staticmethod
    def _nary(fn, inputs: tuple) -> Value:
        """fn(*inputs) recorded on Values, e.g. a neuron's weighted sum of 2n + 1 inputs."""
        if not modes.lean or not all(type(x) is Value for x in inputs):
            return fn.apply(*inputs)
        ctx = Context(fn, inputs)
        try:
            out = fn.forward(ctx, *[x.data for x in inputs])
        except Exception as err:
            failure.record_forward(err, ctx)
            raise
        return _node(out, ctx, any(x.requires_grad for x in inputs))

    def _unary(self, fn, options: dict | None = None) -> Value:
        """fn(self) recorded; `options` are forward's keyword arguments (an exponent)."""
        if not modes.lean:
            return fn.apply(self, **options) if options else fn.apply(self)
        ctx = SingleContext(fn, self)
        try:
            if options:
                ctx.options = options
                return _node(fn.forward(ctx, self.data, **options), ctx, self.requires_grad)
            return _node(fn.forward(ctx, self.data), ctx, self.requires_grad)
        except Exception as err:
            failure.record_forward(err, ctx)
            raise

    # ---- display --------------------------------------------------------------------------
    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"


Value._front = Value
_new_value = object.__new__


def _operand(x, fn) -> Value:
    """x as a Value: itself, or a constant for a plain number."""
    if type(x) is Value:
        return x
    if isinstance(x, Node):
        if isinstance(x, Value):
            return x
        raise TypeError(
            f"{fn.name}: cannot combine a Value with a {type(x).__name__}; "
            "use Value for scalars or Tensor for arrays, not both in one expression"
        )
    return Value._constant(x, fn.name)


def _node(data: float, ctx: Context, requires_grad: bool) -> Value:
    """The output node of an operation (its context kept only when a gradient can flow)."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._tangent = None
    out._pending = None
    out.requires_grad = requires_grad
    out._ctx = ctx if requires_grad else None
    return out
