"""Tensors made from nothing, with PyTorch's names: `mg.tensor`, `mg.zeros`, `mg.randn`, ...

Shapes are given as PyTorch gives them, `mg.zeros(2, 3)` or `mg.zeros((2, 3))`. Random tensors
draw from `generator=` (an `mg.Generator`) or, without one, from `mg.manual_seed`'s generator.
Floating-point tensors are float64 unless `dtype=` says otherwise (PyTorch's default is
float32; float64 keeps numerical gradient checks exact).
"""

from __future__ import annotations

import numpy as np

from .autograd import Node
from .random import Generator, numpy_generator
from .spelling import shape_of
from .tensor import Tensor

_FLOAT = np.float64


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new leaf Tensor holding a copy of `data` (a number, nested lists, an ndarray, a Tensor)."""
    if isinstance(data, Node):
        data = np.array(data.data)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _filled(op: str, size: tuple, value, dtype, requires_grad: bool) -> Tensor:
    array = np.full(shape_of(op, size), value, dtype=dtype or _FLOAT)
    return Tensor(array, requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape `size`."""
    return _filled("zeros", size, 0, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape `size`."""
    return _filled("ones", size, 1, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` with every element `fill_value`."""
    return _filled("full", (size,), fill_value, dtype, requires_grad)


def _like(op: str, input, value, dtype, requires_grad: bool) -> Tensor:  # noqa: A002
    source = input.data if isinstance(input, Node) else np.asarray(input)
    array = np.full(np.shape(source), value, dtype=dtype or np.result_type(source))
    return Tensor(array, requires_grad=requires_grad)


def zeros_like(input, dtype=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros of the shape (and dtype, unless given) of `input`."""
    return _like("zeros_like", input, 0, dtype, requires_grad)


def ones_like(input, dtype=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones of the shape (and dtype, unless given) of `input`."""
    return _like("ones_like", input, 1, dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """start, start + step, ... up to (not including) end; arange(n) is 0 .. n-1 (int64)."""
    if end is None:
        start, end = 0, start
    return Tensor(np.arange(start, end, step, dtype=dtype), requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    array = np.linspace(start, end, int(steps), dtype=dtype or _FLOAT)
    return Tensor(array, requires_grad=requires_grad)


def rand(
    *size, generator: Generator | None = None, dtype=None, requires_grad: bool = False
) -> Tensor:
    """Uniform random numbers in [0, 1) of shape `size`."""
    array = numpy_generator(generator).random(shape_of("rand", size))
    return Tensor(array, requires_grad=requires_grad, dtype=dtype or _FLOAT)


def randn(
    *size, generator: Generator | None = None, dtype=None, requires_grad: bool = False
) -> Tensor:
    """Standard normal random numbers (mean 0, std 1) of shape `size`."""
    array = numpy_generator(generator).standard_normal(shape_of("randn", size))
    return Tensor(array, requires_grad=requires_grad, dtype=dtype or _FLOAT)


def randint(*args, size=None, generator: Generator | None = None, dtype=None) -> Tensor:
    """Random integers in [low, high): randint(high, size) or randint(low, high, size)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint: give the shape, as randint(10, (3,)) or size=(3,)")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(
            f"randint takes (high, size) or (low, high, size), got {len(args) + 1} arguments"
        )
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be larger than low ({low})")
    shape = shape_of("randint", (size,))
    array = numpy_generator(generator).integers(low, high, size=shape)
    return Tensor(array.astype(dtype or np.int64))


def randperm(n: int, generator: Generator | None = None) -> Tensor:
    """The integers 0 .. n-1 in a random order (int64)."""
    return Tensor(numpy_generator(generator).permutation(int(n)).astype(np.int64))


def multinomial(
    input,  # noqa: A002 - PyTorch's name
    num_samples: int,
    replacement: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    """Indices drawn with probability proportional to the weights in each row of `input`.

    `input` is one row (shape (C,)) or a batch of rows (N, C) of non-negative weights; the
    result holds `num_samples` class indices per row (int64). Without replacement a class is
    drawn at most once per row (PyTorch's default).
    """
    weights = np.asarray(input.data if isinstance(input, Node) else input, dtype=np.float64)
    _check_weights(weights, num_samples, replacement)
    rng = numpy_generator(generator)
    rows = weights.reshape(-1, weights.shape[-1])
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((len(rows), num_samples, 1)) * cdf[:, None, -1:]
        samples = np.minimum((u >= cdf[:, None, :]).sum(axis=2), rows.shape[1] - 1)
    else:
        # Gumbel top-k: the k largest of log w + Gumbel noise are k draws without replacement.
        with np.errstate(divide="ignore"):
            keys = np.log(rows) + rng.gumbel(size=rows.shape)
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor(samples.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))


def _check_weights(weights: np.ndarray, num_samples: int, replacement: bool) -> None:
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(
            f"multinomial: input must be one row (C,) or rows (N, C) of weights, got shape "
            f"{weights.shape}"
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("multinomial: weights must be finite and non-negative (probabilities)")
    if np.any(weights.sum(axis=-1) <= 0):
        raise ValueError("multinomial: every row needs a positive weight somewhere")
    available = int(np.min(np.count_nonzero(weights, axis=-1)))
    if not replacement and num_samples > available:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row "
            f"with {available} non-zero weights; pass replacement=True or draw fewer"
        )


__all__ = [
    "arange",
    "full",
    "linspace",
    "multinomial",
    "ones",
    "ones_like",
    "rand",
    "randint",
    "randn",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]
