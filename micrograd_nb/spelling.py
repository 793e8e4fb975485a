"""PyTorch's argument names beside NumPy's: `dim`/`keepdim` for `axis`/`keepdims`, and the rest.

`x.mean(0, keepdim=True)`, `x.sum(dim=1)`, `x.std(0, unbiased=True)`, `F.softmax(x, dim=1)` run
the same code as their NumPy spellings: the `torch_names` decorator renames the keywords before
the call. Passing both spellings of one argument, or a keyword that neither library has, is a
`TypeError` that names the two spellings.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import NamedTuple

#: PyTorch keyword -> the NumPy keyword micrograd_nb's functions take
REDUCTION_NAMES = {"dim": "axis", "keepdim": "keepdims"}


class TorchSpellingError(TypeError):
    """Two spellings of one argument were given, or a keyword neither spelling knows."""


class ValuesIndices(NamedTuple):
    """What `x.max(dim=...)` / `x.min(dim=...)` return, as PyTorch's `torch.return_types.max`."""

    values: object  # the differentiable Tensor of maxima
    indices: object  # an int64 Tensor of their positions along dim (a constant)


def torch_names(**aliases: str) -> Callable:
    """Decorator: accept each PyTorch keyword in `aliases` as the NumPy keyword it maps to.

    @torch_names(dim="axis", keepdim="keepdims")
    def sum(self, axis=None, keepdims=False): ...
    """

    def decorate(function: Callable) -> Callable:
        parameters = list(inspect.signature(function).parameters)
        known = set(parameters)
        op = function.__name__

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if kwargs:  # positional calls pay nothing
                kwargs = rename_keywords(op, kwargs, aliases, known, parameters[: len(args)])
            return function(*args, **kwargs)

        return wrapper

    return decorate


def rename_keywords(
    op: str, kwargs: dict, aliases: dict[str, str], known: set, positional: list[str]
) -> dict:
    """kwargs with PyTorch names replaced by NumPy names; a clear error on clashes and unknowns."""
    renamed = {}
    for key, value in kwargs.items():
        numpy_name = aliases.get(key, key)
        if numpy_name not in known:
            raise TorchSpellingError(_unknown_message(op, key, aliases, known))
        if numpy_name in renamed or numpy_name in positional:
            torch_name = next(t for t, n in aliases.items() if n == numpy_name)
            raise TorchSpellingError(
                f"{op}: got both {torch_name}= (PyTorch's name) and {numpy_name}= (NumPy's name) "
                f"for the same argument; pass only one of them"
            )
        renamed[numpy_name] = value
    return renamed


def _unknown_message(op: str, key: str, aliases: dict[str, str], known: set) -> str:
    names = sorted((known - {"self"}) | set(aliases))
    accepted = ", ".join(f"{n}=" for n in names)
    return f"{op}: unknown keyword {key}=; it accepts {accepted}"


def ddof_of(op: str, ddof: int | None, unbiased: bool | None, correction: int | None) -> int:
    """The divisor n - ddof from NumPy's `ddof` or PyTorch's `unbiased` / `correction`.

    PyTorch's `unbiased=True` is `correction=1` is `ddof=1` (divide by n - 1); micrograd_nb's
    default is NumPy's ddof=0 (divide by n), PyTorch's is 1: pass one of them to be explicit.
    """
    given = {
        name: value
        for name, value in (("ddof", ddof), ("unbiased", unbiased), ("correction", correction))
        if value is not None
    }
    if len(given) > 1:
        first, second = list(given)[:2]
        raise TorchSpellingError(
            f"{op}: got both {first}= and {second}=, which say the same thing (the divisor "
            "n - ddof; unbiased=True is correction=1 is ddof=1); pass only one of them"
        )
    if unbiased is not None:
        return 1 if unbiased else 0
    if correction is not None:
        return int(correction)
    return 0 if ddof is None else int(ddof)


def shape_of(op: str, size: tuple) -> tuple[int, ...]:
    """A shape from PyTorch's `zeros(2, 3)` or `zeros((2, 3))` / `zeros([2, 3])`."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        return tuple(int(n) for n in size)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op}: the shape must be whole numbers, as {op}(2, 3) or {op}((2, 3)); got {size!r}"
        ) from None
