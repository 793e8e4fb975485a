"""`Value`: a scalar node, micrograd-compatible, on the shared autograd core."""

from __future__ import annotations

import numbers
from collections.abc import Callable

from .autograd import Node, failure
from .autograd.context import Context, OpRecord
from .autograd.graph import next_sequence_number
from .autograd.mode import modes
from .operators import Operators
from .primitives import elementwise as ew
from .value_backward import NARY, UNARY, Marker, backward_values


class Value(Operators, OpRecord, Node):
    """A float that remembers how it was computed, so gradients can flow back to it.

    >>> x = Value(2.0, label="x"); y = x * x + 3 * x
    >>> y.backward(); x.grad     # dy/dx = 2x + 3
    7.0

    A Value made by an operation on the lean path is also that operation's record (the `ctx`
    its rule reads: `fn`, `inputs`, `saved_tensors`): one object per operation. In a long
    scalar graph Python's cycle collector, not the arithmetic, sets the pace: it counts every
    new container object and scans them again and again, so an operation makes exactly one.
    """

    # fn: the operation (None for leaves and for nodes recorded through `Function.apply`);
    # _a, _b: its inputs (_b is UNARY for one input, NARY when _a is the tuple of many);
    # _saved_a, _saved_b: what forward saved, two floats in slots rather than a tuple per op
    # (_saved_b is ONE_SAVED or NONE_SAVED when fewer were saved, ALL_SAVED when _saved_a
    # holds the tuple of three or more)
    __slots__ = ("fn", "_a", "_b", "_saved_a", "_saved_b", "__dict__")
    # few nodes have a label or (in forward mode) a tangent: class defaults, not a store per op
    label = ""
    _tangent = None
    _fits_grad = False  # a float gradient needs no reshaping
    _versions = ()  # floats cannot change in place: nothing saved is ever checked

    def __init__(self, data: float, label: str = "", requires_grad: bool = True):
        if isinstance(data, Node):
            raise TypeError("Value(...) takes a number; use .detach() to copy a Value")
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value needs a real number, got {type(data).__name__}: {data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.requires_grad = bool(requires_grad)
        if label:
            self.label = label
        self.fn = None
        _set_ctx(self, None)
        self._pending = None
        self._saved_b = NONE_SAVED
        self._seq = next_sequence_number()

    # ---- the op record: itself on the lean path, else the Context `Function.apply` made -------
    @property
    def _ctx(self):
        # a property, not a slot holding `self`: a node pointing at itself would be a cycle
        return self if self.fn is not None else _get_ctx(self)

    @_ctx.setter
    def _ctx(self, ctx) -> None:
        self.fn = None
        _set_ctx(self, ctx)

    @property
    def inputs(self) -> tuple:
        """The operation's input nodes (what `parents` returns; () for a leaf)."""
        if self.fn is None:
            ctx = _get_ctx(self)
            return () if ctx is None else ctx.inputs
        b = self._b
        if b is UNARY:
            return (self._a,)
        if b is NARY:
            return self._a
        a = self._a
        # a number operand (y * 1.0) becomes its constant node when first asked for, once
        if type(a) is float:
            a = self._a = _constant_node(a)
        if type(b) is float:
            b = self._b = _constant_node(b)
        return (a, b)

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per input: does it need a gradient? (A number operand never does.)"""
        b = self._b
        if self.fn is None or b is UNARY or b is NARY:
            return OpRecord.needs_input_grad.fget(self)
        a = self._a
        return (type(a) is not float and a.requires_grad, type(b) is not float and b.requires_grad)

    parents = inputs  # one property for the graph walk, not `_ctx` then `inputs`

    def save_for_backward(self, a=Marker.NONE_SAVED, b=Marker.ONE_SAVED, *more) -> None:
        """Keep raw floats for the rule's backward (floats are immutable: nothing to watch).

        The first two go in slots as they are (no tuple: see the class docstring); `b`'s
        default marks that only `a` was saved, `a`'s that nothing was.
        """
        if more:
            self._saved_a = (a, b, *more)
            self._saved_b = ALL_SAVED
        elif a is NONE_SAVED:
            self._saved_b = NONE_SAVED
        else:
            self._saved_a = a
            self._saved_b = b

    @property
    def saved_tensors(self) -> tuple:
        """The values forward saved, as the rule reads them: `a, b = ctx.saved_tensors`."""
        b = self._saved_b
        if b is ONE_SAVED:
            return (self._saved_a,)
        if b is NONE_SAVED:
            return ()
        if b is ALL_SAVED:
            return self._saved_a
        return (self._saved_a, b)

    _saved = saved_tensors  # a Value's record never swaps in nodes (see `as_context`)

    def as_context(self) -> Context:
        """This operation's record as a `Context` of its own, for a pass that rewrites it.

        Under create_graph the rule reads graph nodes from `saved_tensors` for a while; a
        separate Context takes that change, and the Value keeps its floats.
        """
        if self.fn is None:
            return _get_ctx(self)
        ctx = Context(self.fn, self.inputs)
        ctx.saved_tensors = ctx._saved = self.saved_tensors
        ctx.__dict__.update(self.__dict__)  # what forward put on ctx: an exponent, options
        return ctx

    # ---- front-end hooks used by the core -------------------------------------------------
    def _backward_pass(self, seed: float) -> None:
        if modes.anomaly:  # the general pass checks every rule's result
            return Node._backward_pass(self, seed)
        backward_values(self, seed)

    @classmethod
    def _from_op(cls, data, ctx, requires_grad):
        node = object.__new__(cls)
        node.data = data if type(data) is float else float(data)
        node.grad = 0.0
        node.requires_grad = requires_grad
        node.fn = None
        _set_ctx(node, ctx)
        node._pending = None
        node._saved_b = NONE_SAVED
        node._seq = next_sequence_number()
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
    # With no mode on (see autograd.mode), an operator builds its output node right here, and
    # the node is the record its rule fills: `forward` runs on the floats with the new node as
    # `ctx`, and nothing else is looked up or allocated. Any mode (no_grad, anomaly, autocast,
    # jvp) takes the general `Function.apply` instead.
    @staticmethod
    def _binary(fn, a, b) -> Value:
        """fn(a, b) recorded on Values (either may be a plain number)."""
        return binary_recorder(fn)(a, b)

    @staticmethod
    def _nary(fn, inputs: tuple) -> Value:
        """fn(*inputs) recorded on Values, e.g. a neuron's weighted sum of 2n + 1 inputs."""
        data = [x.data for x in inputs if type(x) is Value]  # data and type check in one pass
        if len(data) != len(inputs) or not modes.lean:  # numbers or Tensors among them
            return fn.apply(*inputs)
        out = _recording(fn, inputs, NARY)
        try:
            out.data = fn.forward(out, *data)
        except Exception as err:
            failure.record_forward(err, out)
            raise
        # a neuron's first input is a weight: most calls stop there
        if not (inputs[0].requires_grad or any(x.requires_grad for x in inputs)):
            _forget_op(out)
        return out

    def _unary(self, fn, options: dict | None = None) -> Value:
        """fn(self) recorded; `options` are forward's keyword arguments (an exponent)."""
        return unary_recorder(fn)(self, **options) if options else unary_recorder(fn)(self)

    # ---- display --------------------------------------------------------------------------
    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"


Value._front = Value
_new_value = object.__new__
_next_number = next_sequence_number
ONE_SAVED, NONE_SAVED, ALL_SAVED = Marker.ONE_SAVED, Marker.NONE_SAVED, Marker.ALL_SAVED
_get_ctx = Node._ctx.__get__  # the slot for a Context made by `Function.apply`
_set_ctx = Node._ctx.__set__


def binary_recorder(fn) -> Callable:
    """The function that records fn(a, b) on Values, made once per operation.

    With no mode on (see autograd.mode) it builds the output node right here, and the node is
    the record its rule fills: `forward` runs on the floats with the new node as `ctx`, and
    nothing else is looked up or allocated. Any mode (no_grad, anomaly, autocast, jvp) takes
    the general `Function.apply` instead. `Value.__add__` and the other arithmetic operators
    *are* these functions: one Python call per operation, not an operator calling a helper.
    """
    recorder = _RECORDERS.get(fn)
    if recorder is not None:
        return recorder

    def record(a, b) -> Value:
        if type(a) is Value:
            x = a.data
        else:
            a, x = _operand_and_data(a, fn)
        if type(b) is Value:
            y = b.data
        else:
            b, y = _operand_and_data(b, fn)
        if not modes.lean:
            return fn.apply(a, b)
        out = _new_value(Value)  # what `_recording` makes, spelled out: this runs for every op
        out.fn, out._a, out._b = fn, a, b
        out._saved_b, out._seq = NONE_SAVED, _next_number()
        try:
            out.data = fn.forward(out, x, y)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            failure.record_forward(err, out)
            raise
        out.grad = 0.0
        out._pending = None
        if (x is not a and a.requires_grad) or (y is not b and b.requires_grad):
            out.requires_grad = True
        else:
            _forget_op(out)
        return out

    return _kept_as_recorder(fn, record)


def unary_recorder(fn) -> Callable:
    """The function that records fn(x, **options) on a Value, made once per operation (see
    `binary_recorder`): `Value.relu`, `Value.tanh` and the other functions *are* these."""
    recorder = _RECORDERS.get(fn)
    if recorder is not None:
        return recorder

    def record(x, **options) -> Value:
        if not modes.lean:
            return fn.apply(x, **options)
        out = _recording(fn, x, UNARY)
        try:
            if options:  # forward's keyword arguments, e.g. the exponent of x**2
                out.options = options  # shown in graph pictures
                out.data = fn.forward(out, x.data, **options)
            else:
                out.data = fn.forward(out, x.data)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            failure.record_forward(err, out)
            raise
        if not x.requires_grad:
            _forget_op(out)
        return out

    return _kept_as_recorder(fn, record)


def _kept_as_recorder(fn, record: Callable) -> Callable:
    """`record` named after fn's class, with its docstring, and kept as fn's one recorder."""
    record.__name__ = record.__qualname__ = f"record_{fn.__name__}"
    record.__doc__ = fn.__doc__
    _RECORDERS[fn] = record
    return record


def reflected(record: Callable) -> Callable:
    """The reflected operator: for `2 + x` Python calls `x.__radd__(2)`, which records 2 + x."""

    def record_reflected(self, other) -> Value:
        return record(other, self)

    record_reflected.__name__ = record_reflected.__qualname__ = f"{record.__name__}_reflected"
    record_reflected.__doc__ = record.__doc__
    return record_reflected


_RECORDERS: dict = {}  # Function class -> its recorder

# The operators and functions learners use most, as the recorders themselves (self is `a`,
# other is `b`); the rest (**, leaky_relu) come from `Operators` and `Value._unary`.
Value.__add__ = binary_recorder(ew.Add)
Value.__sub__ = binary_recorder(ew.Sub)
Value.__mul__ = binary_recorder(ew.Mul)
Value.__truediv__ = binary_recorder(ew.Div)
Value.__radd__ = reflected(Value.__add__)
Value.__rsub__ = reflected(Value.__sub__)
Value.__rmul__ = reflected(Value.__mul__)
Value.__rtruediv__ = reflected(Value.__truediv__)
Value.__neg__ = unary_recorder(ew.Neg)
Value.__abs__ = Value.abs = unary_recorder(ew.Abs)
Value.exp = unary_recorder(ew.Exp)
Value.log = unary_recorder(ew.Log)
Value.sqrt = unary_recorder(ew.Sqrt)
Value.tanh = unary_recorder(ew.Tanh)
Value.sigmoid = unary_recorder(ew.Sigmoid)
Value.relu = unary_recorder(ew.ReLU)


def _operand_and_data(x, fn) -> tuple:
    """x as an operand and the float it computes with: a Value and its data, or a number
    twice, as a float (a number stays a float: no node until someone asks for the inputs)."""
    if isinstance(x, Value):
        return x, x.data
    if isinstance(x, Node):
        raise TypeError(
            f"{fn.name}: cannot combine a Value with a {type(x).__name__}; "
            "use Value for scalars or Tensor for arrays, not both in one expression"
        )
    if not isinstance(x, numbers.Real):
        Value._constant(x, fn.name)  # raises: says what cannot be combined with a Value
    x = float(x)
    return x, x


def _constant_node(x: float) -> Value:
    """The constant leaf a number operand stands for (requires_grad=False)."""
    return Value._from_op(x, None, False)


def _recording(fn, a, b) -> Value:
    """A new node that records fn on inputs (a, b), its forward still to run: an output that
    requires grad unless `_forget_op` is called once it is known that no input does."""
    out = _new_value(Value)
    out.fn = fn
    out._a = a
    out._b = b
    out._saved_b = NONE_SAVED
    out._seq = _next_number()
    out.grad = 0.0
    out._pending = None
    out.requires_grad = True
    return out


def _forget_op(out: Value) -> None:
    """No input needs a gradient: the node keeps no record (and no reference to its inputs)."""
    out.requires_grad = False
    out.fn = None
    out._a = out._b = None
    out._saved_b = NONE_SAVED
    _set_ctx(out, None)
