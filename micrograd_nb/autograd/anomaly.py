"""Anomaly mode: find the first operation whose forward or backward produced NaN or inf.

    with mg.detect_anomaly():
        loss = model(x).log().mean()      # raises here if log got a negative number ...
        loss.backward()                   # ... or here, at the first NaN/inf gradient

The error names the operation and the line of *your* code that created it. To know that line
during backward, every operation records a short summary of the call stack when it is created,
which costs time: that is why the mode is off unless asked for. When it is off, the engine only
reads one flag per operation.
"""

from __future__ import annotations

import contextlib
import linecache
import math
import os
import sys
import sysconfig
from typing import Any

import numpy as np

from .mode import modes


class AnomalyError(FloatingPointError):
    """An operation produced NaN or inf while `detect_anomaly` was on."""


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return modes.anomaly


def set_detect_anomaly(enabled: bool) -> None:
    """Turn anomaly mode on or off for everything that follows."""
    modes.anomaly = bool(enabled)
    modes.changed()


class detect_anomaly(contextlib.ContextDecorator):
    """Raise `AnomalyError` at the first op whose forward output or backward gradient is NaN/inf."""

    def __enter__(self) -> detect_anomaly:
        self._previous = modes.anomaly
        set_detect_anomaly(True)
        return self

    def __exit__(self, *exc) -> bool:
        set_detect_anomaly(self._previous)
        return False


# ---- where was an operation created? ----------------------------------------------------------
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LIBRARY_DIRS = tuple(
    {
        os.path.abspath(p) + os.sep
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_paths().get(key))
    }
)


def _is_learner_file(filename: str) -> bool:
    """True for code outside micrograd_nb and outside installed libraries (a notebook cell too)."""
    if filename.startswith("<frozen"):
        return False  # the import machinery
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    return not path.startswith(_PACKAGE_DIR) and not path.startswith(_LIBRARY_DIRS)


def creation_site(limit: int = 3) -> list[tuple[str, int, str]]:
    """(file, line, function) of the innermost `limit` learner frames calling into the library."""
    frames: list[tuple[str, int, str]] = []
    frame = sys._getframe(1)
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        if _is_learner_file(code.co_filename):
            frames.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return frames


def format_site(frames: list[tuple[str, int, str]] | None) -> str:
    """The recorded frames as a short traceback-like text, innermost first."""
    if frames is None:
        return (
            "  (where it was created is unknown: the forward pass ran outside detect_anomaly; "
            "run the forward pass inside the `with mg.detect_anomaly():` block too)"
        )
    if not frames:
        return "  (created inside micrograd_nb itself)"
    lines = []
    for filename, lineno, name in frames:
        lines.append(f'  File "{filename}", line {lineno}, in {name}')
        code = linecache.getline(filename, lineno).strip()
        if code:
            lines.append(f"    {code}")
    return "\n".join(lines)


# ---- the checks the engine calls ----------------------------------------------------------------
def _bad_kind(x: Any) -> str | None:
    """'nan', 'inf' or None (finite) for a float, an array or a graph node."""
    if hasattr(x, "_ctx"):  # a graph node (a create_graph backward returns nodes)
        x = x.data
    if isinstance(x, float):
        if math.isfinite(x):
            return None
        return "nan" if math.isnan(x) else "inf"
    array = np.asarray(x)
    if not np.issubdtype(array.dtype, np.inexact) or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


def _describe_inputs(ctx) -> str:
    parts = []
    for i, node in enumerate(ctx.inputs):
        kind = _bad_kind(node.data)
        if kind is not None:
            what = f"'{node.label}'" if node.label else ("a leaf" if node.is_leaf else node.op)
            parts.append(f"input {i} ({what}) already contained {kind}")
    return "; ".join(parts)


def check_forward(ctx, out: Any) -> None:
    """Raise if the output of `ctx.fn` is not finite."""
    kind = _bad_kind(out)
    if kind is None:
        return
    inputs = _describe_inputs(ctx)
    cause = (
        f" Its inputs were not finite: {inputs}."
        if inputs
        else " Its inputs were finite, so this operation is where the problem starts"
        " (e.g. log or sqrt of a negative number, division by zero, exp overflow)."
    )
    raise AnomalyError(
        f"detect_anomaly: the forward pass of '{ctx.fn.name}' produced {kind}.{cause}\n"
        f"The operation was created at:\n{format_site(getattr(ctx, 'anomaly_site', None))}"
    )


def check_backward(ctx, grad: Any, input_grads: tuple) -> None:
    """Raise if the backward rule of `ctx.fn` returned a non-finite gradient."""
    for i, g in enumerate(input_grads):
        if g is None:
            continue
        kind = _bad_kind(g)
        if kind is None:
            continue
        incoming = _bad_kind(grad)
        cause = (
            f"The gradient arriving at this operation was already {incoming} (the seed passed "
            "to backward, or an overflow when gradients were summed)."
            if incoming
            else "The gradient arriving from later operations was finite. Typical causes: the "
            "derivative of sqrt or log at 0, a division by a tiny number, or an overflow."
        )
        raise AnomalyError(
            f"detect_anomaly: the backward pass of '{ctx.fn.name}' returned {kind} as the gradient "
            f"of its input {i} (shape {np.shape(ctx.inputs[i].data)}). {cause}\n"
            f"The operation was created at:\n{format_site(getattr(ctx, 'anomaly_site', None))}"
        )
