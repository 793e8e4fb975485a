"""Pictures of errors: the graph that led to a failed operation, the operation drawn red.

`mg.draw(err)` draws the graph carried by an error that an operation raised (see
`micrograd_nb.autograd.failure`); `viz.error_display` shows it under the traceback in Jupyter.
"""

from __future__ import annotations

import textwrap
from typing import Any

from ..autograd.failure import FailedOperation, describe, failure_of
from .dot import FailureMark

#: characters per line of the message inside the red node
WRAP = 48


def failure_record(err: BaseException) -> FailedOperation:
    """The record an error carries; a learner-facing TypeError when it carries none."""
    record = failure_of(err)
    if record is None:
        raise TypeError(
            f"draw: this {type(err).__name__} was not raised by a micrograd_nb operation, so it "
            "carries no graph; draw a Value or Tensor instead"
        )
    return record


def failure_label(record: FailedOperation) -> str:
    """Text of the red node: which op failed where, its inputs' shapes/dtypes, the message."""
    if record.phase == "backward":
        lines = [f"{record.op}: backward rule failed"]
        if record.grad_output is not None:
            lines.append(f"incoming grad {describe(record.grad_output)}")
    else:
        lines = [f"{record.op} failed"]
        lines += record.describe_inputs()
    message = f"{record.error_type}: {record.message}"
    lines += textwrap.wrap(message, WRAP, break_long_words=False) or [message]
    return "\n".join(lines)


def failure_drawing_parts(record: FailedOperation) -> dict[str, Any]:
    """Roots, red mark, adjoints and title to hand to `build_dot` for this failure."""
    mark = FailureMark(failure_label(record))
    if record.phase == "backward":
        mark.op_of = record.output
        grads = record.grads
        return {
            "roots": record.root,
            "failure": mark,
            "grad_of": lambda node: grads.get(id(node)),
            "title": f"backward stopped at {record.op}: the adjoints computed so far",
        }
    mark.inputs = record.inputs
    return {
        "roots": list(record.inputs),
        "failure": mark,
        "grad_of": None,
        "title": f"{record.op} failed: the graph that led to it",
    }
