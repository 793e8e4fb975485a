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

from typing import Any

from . import anomaly as _anomaly
from . import failure as _failure
from .anomaly import _state as _anomaly_mode
from .graph import Node
from .mode import _state as _grad_mode


class InplaceModificationError(RuntimeError):
    """An array saved for backward was changed after the forward pass."""


class Context:
    """Per-node scratch space that `forward` fills and `backward` reads (PyTorch's `ctx`)."""

    # Slots keep the per-node footprint small; `__dict__` still allows `ctx.anything = ...`.
    __slots__ = (
        "fn",
        "inputs",
        "needs_input_grad",
        "_saved",
        "_saved_from",
        "_saved_versions",
        "_graph_output",
        "__dict__",
    )

    def __init__(self, fn: type[Function], inputs: tuple):
        self.fn = fn
        self.inputs = inputs  # parent nodes; parents never point back, so no cycles
        self.needs_input_grad = tuple([x.requires_grad for x in inputs])
        self._saved: tuple = ()
        self._saved_from: tuple = ()
        self._saved_versions: tuple = ()
        self._graph_output = None  # set only while a differentiable backward runs

    def save_for_backward(self, *values: Any) -> None:
        """Keep raw values for `backward`; inputs among them are checked for later mutation."""
        self._saved = values
        inputs = self.inputs
        n = len(inputs)
        sources = []
        versions = ()
        for position, value in enumerate(values):
            # Prefer the input at the same position: `save_for_backward(x, y)` is the usual call,
            # and two different inputs may share one Python float object.
            if position < n and inputs[position].data is value:
                source = position
            else:
                source = next((i for i, x in enumerate(inputs) if x.data is value), -1)
            sources.append(source)
            if source >= 0 and inputs[source]._version >= 0:
                versions += ((source, inputs[source]._version),)
        # Tuples of numbers are not tracked by the cycle collector; lists would be.
        self._saved_from = tuple(sources)
        self._saved_versions = versions

    @property
    def saved_tensors(self) -> tuple:
        """The values given to `save_for_backward` (graph nodes during a differentiable backward)."""
        output = self._graph_output
        if output is None:
            return self._saved
        nodes = []
        for value, source in zip(self._saved, self._saved_from):
            if source >= 0:
                nodes.append(self.inputs[source])
            elif value is output.data:
                nodes.append(output)
            else:
                nodes.append(value)  # a constant such as a mask
        return tuple(nodes)

    def check_saved_versions(self, output=None) -> None:
        """Raise if an input (or the output) saved for backward was modified in place since."""
        if output is not None and output._version > 0:
            # Outputs start at version 0; an array saved from the output (exp, sqrt, tanh save
            # their result) that was changed in place since would give a wrong gradient.
            for value in self._saved:
                if value is output.data:
                    raise InplaceModificationError(
                        f"{self.fn.name}: its output (shape {output.shape}) was modified in place "
                        "after it was saved for backward, so the gradient would be wrong. "
                        "Change a copy (`y = y.detach().copy()`) instead."
                    )
        for index, version in self._saved_versions:
            node = self.inputs[index]
            if node._version != version:
                name = f" '{node.label}'" if node.label else ""
                raise InplaceModificationError(
                    f"{self.fn.name}: input {index}{name} (shape {node.shape}) was modified in place "
                    f"after it was saved for backward (version {version} -> {node._version}). "
                    "Its gradient would be wrong. Recompute the forward pass after changing it, "
                    "or change a copy (`x = x.detach().copy()`) instead."
                )


class Function:
    """Base class of every primitive: override `forward`, `backward` and optionally `jvp`."""

    #: name shown in graph pictures and error messages; defaults to the class name in lowercase
    name: str = ""

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
    def apply(cls, *inputs: Any, **options: Any):
        """Run the operation on nodes (and plain numbers), recording it for backward."""
        front = None
        for x in inputs:
            if isinstance(x, Node):
                front = x._front
                break
        else:
            raise TypeError(f"{cls.name}.apply needs at least one Value or Tensor input")
        nodes = tuple([x if isinstance(x, front) else _as_input(front, x, cls) for x in inputs])
        if _autocast.policy is not None:  # mixed precision (micrograd_nb.amp): per-op dtypes
            cls, nodes = _autocast.policy(cls, nodes)
        ctx = Context(cls, nodes)
        if options:
            ctx.options = options  # shown in graph pictures, e.g. the exponent of x**2
        anomaly = _anomaly_mode.enabled
        if anomaly:  # mg.detect_anomaly: remember which line of the learner's code made this op
            ctx.anomaly_site = _anomaly.creation_site()
        try:
            out = cls.forward(ctx, *[x.data for x in nodes], **options)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            _failure.record_forward(err, ctx)
            raise
        if anomaly:
            _anomaly.check_forward(ctx, out)
        requires_grad = _grad_mode.enabled and True in ctx.needs_input_grad
        node = front._from_op(out, ctx if requires_grad else None, requires_grad)
        if node.data is not out and ctx._saved:
            # The front end wrapped the result (NumPy returns a scalar, not a 0-d array, for
            # 0-d results): point saved references to the node's data, so mutation checks
            # and create_graph still recognise the saved value as this op's output.
            ctx._saved = tuple([node.data if v is out else v for v in ctx._saved])
        if _forward_mode.active:
            _forward_mode.propagate(ctx, node)
        return node


def _as_input(front: type, x: Any, fn: type[Function]):
    """A non-node input as a constant node of the operation's front end (`Value`/`Tensor`)."""
    if isinstance(x, Node):
        raise TypeError(
            f"{fn.name}: cannot combine a {front.__name__} with a {x._front.__name__}; "
            "use Value for scalars or Tensor for arrays, not both in one expression"
        )
    return front._constant(x, fn.name)


class _ForwardModeState:
    """Dual-number bookkeeping for `jvp`: a tangent rides along on each node while active."""

    def __init__(self):
        self.depth = 0

    @property
    def active(self) -> bool:
        return self.depth > 0

    def propagate(self, ctx: Context, out) -> None:
        tangents = [x._tangent for x in ctx.inputs]
        if all(t is None for t in tangents):
            return
        tangents = [x._zero_like_data() if t is None else t for x, t in zip(ctx.inputs, tangents)]
        out._tangent = ctx.fn.jvp(ctx, *tangents)


_forward_mode = _ForwardModeState()


class _AutocastSlot:
    """Where `mg.amp.autocast` plugs its policy: (fn, input nodes) -> (fn, recast input nodes)."""

    policy = None


_autocast = _AutocastSlot()
