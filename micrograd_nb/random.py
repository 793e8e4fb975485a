"""One seeded random number generator for init, dropout and data: `mg.manual_seed(n)`.

Every random draw in micrograd_nb (weight initialization, dropout masks, the toy data sets)
comes from this generator, so `mg.manual_seed(0)` makes every picture in the course repeatable.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Restart micrograd_nb's random numbers from `seed` (like `torch.manual_seed`)."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The NumPy Generator that init, Dropout and the data sets draw from."""
    return _generator


class Generator:
    """A private seeded stream of random numbers, passed as `generator=` (like `torch.Generator`).

    g = mg.Generator().manual_seed(2147483647)
    mg.randn(27, 10, generator=g)      # the same numbers every time the cell runs
    """

    #: PyTorch's default seed of a new torch.Generator
    DEFAULT_SEED = 67280421310721

    def __init__(self, seed: int = DEFAULT_SEED):
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart this generator's stream from `seed`; returns the generator itself."""
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)  # the NumPy Generator it draws from
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last started from."""
        return self._seed

    def __repr__(self) -> str:
        return f"Generator(seed={self._seed})"


def numpy_generator(generator: Generator | np.random.Generator | None) -> np.random.Generator:
    """The NumPy Generator behind `generator=`: the global one (`mg.manual_seed`) for None."""
    if generator is None:
        return _generator
    if isinstance(generator, Generator):
        return generator.numpy
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"generator= takes an mg.Generator (e.g. mg.Generator().manual_seed(42)), "
        f"got {type(generator).__name__}"
    )
