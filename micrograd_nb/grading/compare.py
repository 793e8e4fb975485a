"""Comparing a learner's number or array with the oracle, with feedback that says what is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .core import Wrong


def fmt(value: Any, digits: int = 6) -> str:
    """A number as a learner would write it: 3.0, -0.25, 1.5e-07."""
    value = float(value)
    if np.isnan(value) or np.isinf(value):
        return str(value)
    text = f"{value:.{digits}g}"
    if "e" not in text and "." not in text and "n" not in text:
        text += ".0"
    return text


def fmt_input(value: Any) -> str:
    """An input value, short: 2 for 2.0, 0.8371 for 0.83710293, a shape for an array."""
    if isinstance(value, np.ndarray) and value.ndim:
        return f"array of shape {value.shape}"
    if isinstance(value, np.ndarray):
        value = value.item()
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float, np.floating, np.integer)):
        return f"{float(value):.4g}"
    return repr(value)


def where_of(**named: Any) -> str:
    """'x=2, y=3' from keyword arguments."""
    return ", ".join(f"{k}={fmt_input(v)}" for k, v in named.items())


def as_array(what: str, value: Any) -> np.ndarray:
    """The learner's result as a float64 array, or a `Wrong` saying what it should be."""
    if value is None:
        raise Wrong(f"{what} is None: did you forget to `return` it?")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(
            f"{what} should be a number or a NumPy array of numbers, got {type(value).__name__}"
        ) from None
    return array


def unpack(what: str, value: Any, n: int) -> tuple:
    """A result that must be a tuple/list of n items (e.g. `return dx, dy`)."""
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = f"a {type(value).__name__}" + (
            f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        )
        raise Wrong(f"{what} should return {n} values (a tuple), got {got}")
    return tuple(value)


def named_result(function: str, value: Any, names: Sequence[str], which: str) -> Any:
    """The result named `which` of a function that returns several, e.g. `return dx, dW, db`."""
    return dict(zip(names, unpack(function, value, len(names))))[which]


def _close(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> bool:
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def expect_close(
    what: str,
    yours: Any,
    expected: Any,
    where: str = "",
    *,
    label: str = "numerical",
    atol: float = 1e-6,
    rtol: float = 1e-4,
    mistakes: Sequence[tuple[Any, str]] = (),
) -> None:
    """Raise `Wrong` unless |yours − expected| ≤ atol + rtol·|expected| elementwise.

    `mistakes` lists (what a typical wrong solution gives, the hint to show when yours matches).
    """
    at = f" at {where}" if where else ""
    expected = np.asarray(expected, dtype=np.float64)
    mine = as_array(what, yours)
    if mine.shape != expected.shape:
        if mine.size == 1 and expected.size == 1:
            mine = mine.reshape(expected.shape)
        else:
            raise Wrong(_shape_feedback(what, mine.shape, expected.shape) + at)
    if not np.all(np.isfinite(mine)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(mine))[0]) if mine.ndim else ()
        index = f" index {bad}" if mine.ndim else ""
        raise Wrong(
            f"{what} contains {fmt(mine[bad])}{index}{at}: an overflow or a division by zero "
            "(a large exp() or a log of 0?)"
        )
    if _close(mine, expected, atol, rtol):
        return
    error = np.abs(mine - expected) - (atol + rtol * np.abs(expected))
    worst = np.unravel_index(int(np.argmax(error)), error.shape) if mine.ndim else ()
    index = f" at index {tuple(int(i) for i in worst)}" if mine.ndim else ""
    message = (
        f"{what} is wrong{index}: {label} {fmt(expected[worst])}, yours {fmt(mine[worst])}{at}"
    )
    # The first matching typical mistake is the most specific explanation.
    named = [
        hint for alternative, hint in mistakes if hint and _matches(mine, alternative, expected)
    ]
    hints = named[:1] or _generic_hints(mine, expected)
    if hints:
        message += " — " + hints[0]
    raise Wrong(message, mistake=named[0] if named else None)


def _matches(mine: np.ndarray, alternative: Any, expected: np.ndarray) -> bool:
    try:
        alt = np.asarray(alternative, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if alt.shape != mine.shape:
        return False
    return _close(mine, alt, 1e-9, 1e-6) and not _close(alt, expected, 1e-9, 1e-6)


def _generic_hints(mine: np.ndarray, expected: np.ndarray) -> list[str]:
    if _close(mine, -expected, 1e-9, 1e-6):
        return ["the sign is flipped"]
    if np.all(mine == 0) and np.any(expected != 0):
        return ["yours is all zeros: is the gradient ever written?"]
    nonzero = np.abs(expected) > 1e-12
    if nonzero.any() and np.all(np.abs(mine[~nonzero]) < 1e-12):
        ratios = mine[nonzero] / expected[nonzero]
        if np.allclose(ratios, ratios.flat[0], rtol=1e-5) and abs(ratios.flat[0]) > 1e-9:
            return [
                f"yours is {fmt(ratios.flat[0], 4)} times the right value: a missing or extra factor"
            ]
    return []


def _shape_feedback(what: str, mine: tuple, expected: tuple) -> str:
    text = f"{what} has shape {mine} but should have shape {expected}"
    if len(mine) == len(expected) and mine == expected[::-1] and mine != expected:
        return text + " (it looks transposed: check the order of the product)"
    try:
        if np.broadcast_shapes(mine, expected) == mine and mine != expected:
            return text + " (sum the gradient over the axes broadcasting added or stretched)"
    except ValueError:
        pass
    return text + " (a gradient has the shape of the value it belongs to)"
