"""In a Jupyter kernel, an operation's error shows the graph that led to it under its traceback.

`install_error_display()` runs when micrograd_nb is imported; outside a kernel it does nothing.
"""

from __future__ import annotations

from typing import Any

from ..autograd.failure import failure_of
from .drawing import draw


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
