"""`Function`: one primitive operation = forward + backward (VJP) + jvp, on raw data.

Every operation in micrograd_nb, built-in or yours, is a subclass of `Function`:

    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):          # grad = dL/d(output)
            (x,) = ctx.saved_tensors
            return 2 * x * grad           # dL/dx, one per input

        @staticmethod
        def jvp(ctx, dx):                 # forward mode: d(output) from d(input)
            (x,) = ctx.saved_tensors
            return 2 * x * dx

    y = Square.apply(x)

`forward` and `backward` receive raw data (floats for `Value`, ndarrays for `Tensor`).
When a graph of the gradient itself is requested (`create_graph=True`), the engine calls the
same `backward` with graph nodes instead: `grad` and every saved input or output then are nodes,
so a rule written with arithmetic operators and `micrograd_nb.functional` is differentiable
again. Saved values that are neither an input nor the output (masks, shapes) act as constants.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from ..arrays.floats import mask_product
from . import anomaly as _anomaly
from . import failure as _failure
from .context import Context
from .graph import Node
from .mode import modes

_requires_grad = attrgetter("requires_grad")
_BOOL = np.dtype(np.bool_)
_data = attrgetter("data")


class Function:
    """Base class of every primitive: override `forward`, `backward` and optionally `jvp`.

    The class is the one record of its operation: besides the rules, its attributes say how
    pictures, steppers, gradcheck and autocast treat it (no table elsewhere names ops).
    """

    #: name shown in graph pictures and error messages; defaults to the class name in lowercase
    name: str = ""
    #: one text per input: ∂out/∂input for elementwise ops (`Elementwise`), else the input's
    #: gradient in terms of ȳ (the output's gradient); {a}, {b}, {out} and option names are
    #: filled in with the names a stepper or the table of derivatives uses
    formulas: tuple[str, ...] = ()
    #: True when `formulas` are local derivatives ∂out/∂input (what a stepper multiplies by)
    formulas_are_partials: bool = False
    #: names for the table of derivatives when the number of inputs varies (else forward's)
    table_inputs: tuple[str, ...] = ()
    #: where the op is not differentiable: "" (nowhere), "zero" (at input 0: relu, abs),
    #: "ties" (a reduction's extreme shared by several elements), "equal" (max(a, b) at a = b),
    #: "bounds" (clip at its limits), "flat" (std of equal elements)
    kinks: str = ""
    #: under `amp.autocast`: "float32" runs it on float32 inputs (exp, log, sums overflow or
    #: lose precision in float16); "float16" on float16 inputs (matmul); "" keeps their dtype
    autocast: str = ""
    #: True when each input fills its own slice of the output (stack, concatenate): the
    #: inputs' shapes may look broadcastable to the output's, but nothing is summed back
    joins_inputs: bool = False
    #: True when backward is the chain rule on `partials` (ā = ȳ·∂out/∂a): `Elementwise` ops
    #: that keep its backward; a scalar pass may then multiply the partials itself
    backward_from_partials: bool = False
    #: True when backward hands the output's gradient to every input unchanged (ā = ȳ: x + y):
    #: `Linear` then provides that backward, and a scalar pass skips calling it
    passes_gradient: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = cls.__name__.lower()

    @staticmethod
    def forward(ctx: Context, *inputs: Any, **options: Any) -> Any:
        """Compute the output from raw inputs; save what backward needs on `ctx`."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        """Return dL/d(input) for each input (a tuple, or one value for one input); None = zero."""
        raise NotImplementedError

    @staticmethod
    def jvp(ctx: Context, *tangents: Any) -> Any:
        """Forward mode: return d(output) given one tangent per input."""
        raise NotImplementedError(f"{ctx.fn.name} has no forward-mode (jvp) rule")

    @classmethod
    def formula(cls, index: int, names: Sequence[str], out: str, options: dict) -> str | None:
        """`formulas[index]` with the inputs' and the output's names filled in (None if none).

        A formula names the inputs as `forward` does ({x} for tanh, {a} and {b} for *), the
        output {out}, and options by their keyword ({exponent}).
        """
        if index >= len(cls.formulas) or not cls.formulas[index]:
            return None
        fields = dict(options)
        fields.update(zip(cls.input_names(), names), out=out)
        return cls.formulas[index].format(**fields)

    @classmethod
    def input_names(cls) -> tuple[str, ...]:
        """The names of forward's inputs (its positional parameters after ctx)."""
        parameters = list(inspect.signature(cls.forward).parameters.values())
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        names = [p.name for p in parameters if p.kind in positional]
        return tuple(names[1:] if names and names[0] == "ctx" else names)

    @classmethod
    def apply(cls, *inputs: Any, **options: Any):
        """Run the operation on nodes (and plain numbers), recording it for backward."""
        front = None
        for x in inputs:
            if isinstance(x, Node):
                front = x._front
                break
        else:
            raise TypeError(f"{cls.name}.apply needs at least one Value or Tensor input")
        nodes = inputs
        for x in inputs:
            if not isinstance(x, front):  # numbers or arrays among them: constant nodes
                nodes = tuple(
                    [x if isinstance(x, front) else _as_input(front, x, cls) for x in inputs]
                )
                break
        if modes.lean:  # no mode on: forward, one context, one node, nothing else
            ctx = Context(cls, nodes)
            if options:
                ctx.options = options  # shown in graph pictures, e.g. the exponent of x**2
            try:
                out = cls.forward(ctx, *map(_data, nodes), **options)
            except Exception as err:  # free until raised: the error carries its graph
                _failure.record_forward(err, ctx)
                raise
            saved = ctx._saved
            if saved:
                ctx.note_saved_versions()
            requires_grad = True in map(_requires_grad, nodes)
            node = front._from_op(out, ctx if requires_grad else None, requires_grad)
            if saved:
                data = node.data
                if data is not out:
                    ctx.keep_output(data, out)
            return node
        return cls._apply_in_modes(front, nodes, options)

    @classmethod
    def _apply_in_modes(cls, front: type, nodes: tuple, options: dict):
        """`apply` when a mode is on: autocast, anomaly detection, no_grad, forward mode."""
        if modes.autocast is not None:  # mixed precision (micrograd_nb.amp): per-op dtypes
            cls, nodes = modes.autocast(cls, nodes)
        ctx = Context(cls, nodes)
        if options:
            ctx.options = options
        anomaly = modes.anomaly
        if anomaly:  # mg.detect_anomaly: remember which line of the learner's code made this op
            ctx.anomaly_site = _anomaly.creation_site()
        try:
            out = cls.forward(ctx, *[x.data for x in nodes], **options)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            _failure.record_forward(err, ctx)
            raise
        if ctx._saved:
            ctx.note_saved_versions()
        if anomaly:
            _anomaly.check_forward(ctx, out)
        requires_grad = modes.grad and any(x.requires_grad for x in nodes)
        node = front._from_op(out, ctx if requires_grad else None, requires_grad)
        if node.data is not out and ctx._saved:
            ctx.keep_output(node.data, out)
        if modes.forward:
            _push_tangent(ctx, node)
        return node


def _as_input(front: type, x: Any, fn: type[Function]):
    """A non-node input as a constant node of the operation's front end (`Value`/`Tensor`)."""
    if isinstance(x, Node):
        raise TypeError(
            f"{fn.name}: cannot combine a {front.__name__} with a {x._front.__name__}; "
            "use Value for scalars or Tensor for arrays, not both in one expression"
        )
    return front._constant(x, fn.name)


def _push_tangent(ctx: Context, out) -> None:
    """Forward mode: the output's tangent from the inputs' tangents (dual numbers)."""
    tangents = [x._tangent for x in ctx.inputs]
    if all(t is None for t in tangents):
        return
    tangents = [x._zero_like_data() if t is None else t for x, t in zip(ctx.inputs, tangents)]
    out._tangent = ctx.fn.jvp(ctx, *tangents)


class Elementwise(Function):
    """An elementwise op: one rule, `partials`, gives both backward and jvp (auto_element_wise).

    `partials(ctx, *saved)` returns ∂out/∂input for each input (one value for one input),
    computed from the values forward saved (`ctx.save_for_backward(a, b)` → `partials(ctx, a,
    b)`); backward multiplies it by the output's gradient (ā = ȳ·∂out/∂a) and jvp by the
    inputs' tangents (ẏ = Σ ∂out/∂aᵢ·ȧᵢ). Written with operators, a partial is differentiable
    again under create_graph, where the saved values arrive as graph nodes.
    """

    formulas_are_partials = True
    backward_from_partials = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a subclass with a backward of its own no longer multiplies its partials
        own = getattr(cls.backward, "__func__", None)  # None: a staticmethod backward
        cls.backward_from_partials = own is Elementwise.backward.__func__

    @staticmethod
    def partials(ctx: Context, *saved: Any) -> Any:
        """∂out/∂input for each input (a tuple), or the one partial of a one-input op."""
        raise NotImplementedError

    @classmethod
    def backward(cls, ctx: Context, grad: Any) -> Any:
        partials = cls.partials(ctx, *ctx.saved_tensors)
        if type(partials) is not tuple:
            if type(partials) is np.ndarray and partials.dtype is _BOOL:  # relu's [x > 0]
                return mask_product(grad, partials)  # grad * partials in one pass
            return grad * partials
        if len(partials) == 2:  # most binary ops: spelled out, as this runs once per node
            need_a, need_b = ctx.needs_input_grad
            da, db = partials
            return (
                grad * da if da is not None and need_a else None,
                grad * db if db is not None and need_b else None,
            )
        return tuple(
            [
                grad * d if x.requires_grad and d is not None else None
                for x, d in zip(ctx.inputs, partials)
            ]
        )

    @classmethod
    def jvp(cls, ctx: Context, *tangents: Any) -> Any:
        partials = cls.partials(ctx, *ctx.saved_tensors)
        if type(partials) is not tuple:
            return tangents[0] * partials
        terms = [t * d for t, d in zip(tangents, partials) if d is not None]
        return sum(terms[1:], terms[0])


class Linear(Function):
    """A linear op (sums, reshapes, slices, +, -): its jvp is the op applied to the tangents;
    an op that declares `passes_gradient` (x + y) gets its backward here: ā = ȳ for each input."""

    @classmethod
    def backward(cls, ctx: Context, grad: Any) -> Any:
        if not cls.passes_gradient:
            raise NotImplementedError(f"{cls.__name__} has no backward rule")
        return (grad,) * len(ctx.inputs)

    @classmethod
    def jvp(cls, ctx: Context, *tangents: Any) -> Any:
        return cls.forward(ctx, *tangents, **ctx.__dict__.get("options", {}))
