"""Errors that carry their graph: what an operation that raised leaves on the exception.

When an operation's forward (or its backward rule) raises, the engine attaches a
`FailedOperation` to the exception as `err.failed_operation` before it propagates: the op's
name, its input nodes (through them, everything that produced them) and the message.
`mg.draw(err)` draws that graph with the failed operation as a red node.

Nothing here runs unless something fails: `Function.apply` wraps `forward` in a try/except
(free in CPython 3.11 until an exception is raised) and the backward loop iterates through
`BackwardFailures`, which reads the failing node from the iterator's position only on error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: the attribute of an exception that holds its `FailedOperation`
ATTRIBUTE = "failed_operation"


@dataclass
class FailedOperation:
    """An operation that raised: its name, inputs, message, and for backward the graph so far."""

    op: str  # the operation's name, e.g. "@" or "tanh"
    phase: str  # "forward" or "backward"
    inputs: tuple  # the operation's input nodes
    message: str  # the error's text
    error_type: str  # "ValueError", ...
    input_names: tuple = ()  # what each input is called ("input 0", "weight", ...)
    options: dict = field(default_factory=dict)  # keyword options of the call (axis=, ...)
    output: Any = None  # backward: the node whose operation's backward rule raised
    root: Any = None  # backward: the node backward started from
    grads: dict = field(default_factory=dict)  # backward: {id(node): adjoint} computed so far
    grad_output: Any = None  # backward: the adjoint handed to the failing rule

    def describe_inputs(self) -> list[str]:
        """One line per input: 'input 0: (3, 4) float64', 'weight: (2, 3) float32', 'input 0: Value 2'."""
        names = self.input_names or tuple(f"input {i}" for i in range(len(self.inputs)))
        return [f"{name}: {describe(x)}" for name, x in zip(names, self.inputs)]

    def __str__(self) -> str:
        where = "backward rule" if self.phase == "backward" else "forward"
        inputs = ", ".join(self.describe_inputs())
        return f"{self.op} failed in its {where} on inputs {inputs}: {self.message}"


def describe(node: Any) -> str:
    """Shape and dtype of a tensor node ('(3, 4) float64'), the value of a scalar one."""
    data = node.data if hasattr(node, "requires_grad") else node  # a node, or raw data
    if isinstance(data, (int, float)):
        return f"{type(node).__name__} {data:g}"
    shape = tuple(getattr(data, "shape", ()))
    dtype = getattr(data, "dtype", type(data).__name__)
    return f"{shape} {dtype}"


def failure_of(err: BaseException) -> FailedOperation | None:
    """The `FailedOperation` an error carries, or None for errors from outside an operation."""
    return getattr(err, ATTRIBUTE, None)


def _attach(err: BaseException, record: FailedOperation) -> None:
    try:
        setattr(err, ATTRIBUTE, record)
    except (AttributeError, TypeError):
        pass  # an exception type without a __dict__: it propagates without its graph


def record_forward(err: BaseException, ctx: Any) -> None:
    """Attach the failed forward of `ctx.fn` on `ctx.inputs` to `err` (innermost failure wins)."""
    record_call(err, ctx.fn.name, ctx.inputs, getattr(ctx, "options", None))


def record_call(
    err: BaseException,
    op: str,
    inputs: Sequence,
    options: dict | None = None,
    parameters: dict | None = None,
) -> None:
    """Attach a failed call of `op` (an operation, or a module such as Linear) on `inputs`.

    A module also names its own `parameters` ({"weight": W, ...}). Inputs that are not graph
    nodes (NumPy arrays, settings) are left out of the picture.
    """
    if failure_of(err) is not None:
        return  # an operation inside the call already said where
    named = [(f"input {i}", x) for i, x in enumerate(inputs) if hasattr(x, "requires_grad")]
    named += list((parameters or {}).items())
    _attach(
        err,
        FailedOperation(
            op=op,
            phase="forward",
            inputs=tuple(x for _, x in named),
            input_names=tuple(name for name, _ in named),
            message=str(err),
            error_type=type(err).__name__,
            options=dict(options or {}),
        ),
    )


def record_backward(err: BaseException, node: Any, root: Any, grads: dict) -> None:
    """Attach the failed backward rule of the operation that produced `node` to `err`."""
    previous = failure_of(err)
    if previous is not None and previous.phase == "backward":
        return  # a nested backward (inside a differentiable rule) already said where
    # A forward failure recorded inside this backward pass (a rule evaluated on graph nodes
    # under create_graph) is part of this rule, so the rule is what gets drawn.
    ctx = node._ctx
    _attach(
        err,
        FailedOperation(
            op=ctx.fn.name,
            phase="backward",
            inputs=ctx.inputs,
            message=str(err),
            error_type=type(err).__name__,
            options=dict(getattr(ctx, "options", {}) or {}),
            output=node,
            root=root,
            grads=dict(grads),
            grad_output=grads.get(id(node)),
        ),
    )


class BackwardFailures:
    """Iterate `reversed(order)` for the backward loop; on an error, record the failing node.

    The node being processed is found from the iterator's position (`__length_hint__` of a
    list's reverse iterator is the index of the item it yielded last), so the loop pays
    nothing per node for this.
    """

    __slots__ = ("order", "grads", "steps")

    def __init__(self, order: Sequence, grads: dict):
        self.order = order
        self.grads = grads
        self.steps = reversed(order)

    def __enter__(self):
        return self.steps

    def __exit__(self, exc_type, err, tb) -> bool:
        if err is not None and isinstance(err, Exception) and self.order:
            index = self.steps.__length_hint__()
            node = self.order[min(index, len(self.order) - 1)]
            if node._ctx is not None:
                record_backward(err, node, self.order[-1], self.grads)
        return False
