"""Compact text for numbers, arrays and shapes in graph pictures (`400`, `0.1225`, `9.54e-7`)."""

from __future__ import annotations

import math

import numpy as np

#: arrays with at most this many elements are shown in full, larger ones as statistics
MAX_SHOWN_ELEMENTS = 8


def format_number(x: float, digits: int = 4) -> str:
    """A float with `digits` significant digits, no trailing zeros: 400, 0.1225, -0.7, 9.54e-7."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    magnitude = abs(x)
    if magnitude >= 1e6 or magnitude < 1e-3:
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"  # 9.54e-7 rather than 9.540e-07
    integer_digits = math.floor(math.log10(magnitude)) + 1
    text = f"{x:.{max(digits - integer_digits, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_array(array: np.ndarray, digits: int = 4) -> str:
    """Small arrays in full with nested brackets: [[1, 2], [3, 4]]."""
    array = np.asarray(array)
    if array.ndim == 0:
        return format_number(array.item(), digits) if array.dtype.kind in "fiu" else str(array)
    if array.dtype.kind == "b":
        return str(array.tolist()).replace("'", "")
    # Nested lists through an explicit stack of rows (no recursion, any number of axes).
    rows = [format_number(v, digits) for v in array.ravel().tolist()]
    for size in reversed(array.shape):
        rows = ["[" + ", ".join(rows[i : i + size]) + "]" for i in range(0, len(rows), size)]
    return rows[0] if rows else "[]"


def format_stats(array: np.ndarray, digits: int = 3) -> str:
    """Summary statistics of a larger array: mean, std, min and max."""
    values = np.asarray(array, dtype=np.float64)
    if values.size == 0:
        return "empty"
    parts = [
        f"mean {format_number(values.mean(), digits)}",
        f"std {format_number(values.std(), digits)}",
        f"min {format_number(values.min(), digits)}",
        f"max {format_number(values.max(), digits)}",
    ]
    return " ".join(parts[:2]) + "\n" + " ".join(parts[2:])


def format_values(array, digits: int = 4) -> str:
    """The values when small (<= MAX_SHOWN_ELEMENTS elements), else summary statistics."""
    array = np.asarray(array)
    if array.size <= MAX_SHOWN_ELEMENTS:
        return format_array(array, digits)
    return format_stats(array)


def format_shape(shape: tuple) -> str:
    """(2, 3) for a shape; () for a scalar."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def format_grad(grad) -> str:
    """A gradient: the number for a scalar, values and L2 norm for a small array, else the norm."""
    if grad is None:
        return "None"
    array = np.asarray(grad)
    if array.ndim == 0:
        return format_number(array.item())
    norm = format_number(float(np.linalg.norm(array.astype(np.float64).ravel())))
    if array.size == 1:
        return format_array(array)
    if array.size <= MAX_SHOWN_ELEMENTS:
        return f"{format_array(array)}\n‖grad‖ {norm}"
    return f"‖grad‖ {norm}"


def shorten(text: str, limit: int = 24) -> str:
    """Cut long text (an index array, say) to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dot_string(text: str) -> str:
    """Text inside a double-quoted DOT string (newlines become centred line breaks)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
