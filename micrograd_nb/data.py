"""Small data sets that need no download: toy 2-D generators, scikit-learn's 8x8 digits, names.

Every generator returns `(X, y)`: X float64 of shape (n_samples, 2), y int64 class labels.
With `seed=None` they draw from `mg.manual_seed`'s generator, so a seeded notebook is repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from . import random as _random


def _rng(seed: int | None) -> np.random.Generator:
    return _random.generator() if seed is None else np.random.default_rng(seed)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order], y[order]


def _two_classes(
    class0: np.ndarray, class1: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The points of class 0 then class 1, plus Gaussian noise of std `noise`, shuffled."""
    X = np.concatenate([class0, class1])
    y = np.concatenate([np.zeros(len(class0), np.int64), np.ones(len(class1), np.int64)])
    X = X + rng.normal(0.0, noise, size=X.shape)
    return _shuffled(X, y, rng)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's recipe), plus Gaussian noise of std `noise`."""
    rng = _rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    angle_outer = np.linspace(0, np.pi, n_outer)
    angle_inner = np.linspace(0, np.pi, n_inner)
    outer = np.stack([np.cos(angle_outer), np.sin(angle_outer)], axis=1)
    inner = np.stack([1 - np.cos(angle_inner), 0.5 - np.sin(angle_inner)], axis=1)
    return _two_classes(outer, inner, noise, rng)


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around one of radius `factor` (class 1), plus noise."""
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must lie in (0, 1), got {factor}")
    rng = _rng(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    angle_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    angle_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    outer = np.stack([np.cos(angle_outer), np.sin(angle_outer)], axis=1)
    inner = factor * np.stack([np.cos(angle_inner), np.sin(angle_inner)], axis=1)
    return _two_classes(outer, inner, noise, rng)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` spiral arms (the CS231n data set): not separable by any straight line."""
    rng = _rng(seed)
    per_class = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    points, labels = [], []
    for k, n in enumerate(per_class):
        radius = np.linspace(0.0, 1.0, n)
        angle = np.linspace(k * 4.0, (k + 1) * 4.0, n) + rng.normal(0.0, noise, size=n)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(n, k, dtype=np.int64))
    return _shuffled(np.concatenate(points), np.concatenate(labels), rng)


class DataSplit(NamedTuple):
    """A train/test split: `X_train, y_train, X_test, y_test = load_digits()`."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits(test_size: float = 0.25, seed: int = 0, scale: bool = True) -> DataSplit:
    """scikit-learn's 1,797 handwritten digits (8x8 pixels, 10 classes), split train/test.

    X rows are the 64 pixel intensities, divided by 16 so they lie in [0, 1] when `scale`.
    The split is stratified (each digit in the same proportion in both parts) and seeded.
    """
    from sklearn.datasets import load_digits as _sk_load_digits  # imported on first use: slow
    from sklearn.model_selection import train_test_split

    digits = _sk_load_digits()
    X = digits.data.astype(np.float64) / (16.0 if scale else 1.0)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    return DataSplit(X_train, y_train, X_test, y_test)


def batches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Consecutive (X_batch, y_batch) pairs covering the data once, in a shuffled order."""
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    order = _rng(seed).permutation(len(y)) if shuffle else np.arange(len(y))
    for start in range(0, len(y), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def load_names() -> list[str]:
    """5,163 lower-case first names (the 1990 US Census lists, public domain), sorted.

    The data for the character-level models of notebook 14 and exercise 15; source and
    licence are in `micrograd_nb/data/NAMES_SOURCE.md`.
    """
    from importlib.resources import files

    text = files(__package__).joinpath("data", "names.txt").read_text(encoding="ascii")
    return text.split()


def char_vocabulary(words: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    """({char: index}, {index: char}) with '.' = 0 marking a word's start and end, then a..z."""
    chars = sorted(set("".join(words)))
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    stoi["."] = 0
    return stoi, {i: c for c, i in stoi.items()}


def char_ngrams(
    words: list[str], stoi: dict[str, int], block_size: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y): each row of X the indices of `block_size` characters, Y the character after them.

    Words are padded with '.' in front, so "emma" with block_size 3 gives the contexts
    "...", "..e", ".em", "emm", "mma" followed by e, m, m, a, "." (the end).
    """
    contexts, targets = [], []
    for word in words:
        context = [0] * block_size
        for ch in word + ".":
            index = stoi[ch]
            contexts.append(context)
            targets.append(index)
            context = context[1:] + [index]
    X = np.array(contexts, dtype=np.int64).reshape(-1, block_size)
    return X, np.array(targets, dtype=np.int64)
