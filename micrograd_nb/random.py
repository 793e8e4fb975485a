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
