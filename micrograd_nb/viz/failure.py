"""Pictures of errors: the graph that led to a failed operation, the operation drawn red.

`mg.draw(err)` draws the graph carried by an error that an operation raised (see
`micrograd_nb.autograd.failure`). In a Jupyter kernel, `install_error_display()` (run when
micrograd_nb is imported) shows that picture under the traceback of such an error.
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


# ---- Jupyter: the picture under the traceback ---------------------------------------------------
class _ErrorDisplay:
    """IPython custom exception handler: the usual traceback, then the graph if there is one."""

    def __init__(self, previous_types: tuple, previous_handler: Any):
        self.previous_types = previous_types  # another library's handler keeps working
        self.previous_handler = previous_handler

    def __call__(self, shell, etype, value, tb, tb_offset=None):
        if self.previous_types and isinstance(value, self.previous_types):
            return self.previous_handler(etype, value, tb, tb_offset=tb_offset)
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
        if failure_of(value) is not None:
            try:
                from IPython.display import display

                from .drawing import draw

                display(draw(value))
            except Exception:  # noqa: BLE001 - the traceback above must stay the last word
                pass
        return None


def install_error_display(enabled: bool = True) -> bool:
    """Show the graph under the traceback of an operation's error in this Jupyter kernel.

    Returns True when the handler is now installed. Outside a kernel (plain Python, the
    IPython terminal) it does nothing: there is no place to show a picture.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    installed = getattr(shell, "_micrograd_error_display", None)
    if not enabled:
        if installed is not None:  # give back whatever handled exceptions before
            shell.custom_exceptions = installed.previous_types
            shell.CustomTB = installed.previous_handler
            shell._micrograd_error_display = None
        return False
    if installed is not None:
        return True
    previous_types = tuple(shell.custom_exceptions)
    previous_handler = shell.CustomTB
    handler = _ErrorDisplay(previous_types, previous_handler)
    shell.set_custom_exc((Exception,), handler)
    shell._micrograd_error_display = handler
    return True
