"""Exercise tanh_sigmoid: elementwise activations, x̄ = ȳ ⊙ σ′(x)."""

from __future__ import annotations

import numpy as np

from ..declare import exercise, gradient_test


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # stable for any x


def _inputs(rng) -> list[tuple]:
    points = [(np.array(0.5), np.array(1.0)), (np.array(-2.0), np.array(3.0))]
    points += [(rng.normal(0, 2, size=5), rng.normal(0, 1, size=5)) for _ in range(2)]
    return points + [(rng.normal(0, 1.5, size=(2, 3)), rng.normal(0, 1, size=(2, 3)))]


TANH_MISTAKES = [
    (lambda x, g: (1 - np.tanh(x)) * g, "tanh′(x) = 1 − tanh(x)², the tanh is squared"),
    (lambda x, g: (1 - x**2) * g, "use tanh(x) in 1 − tanh(x)², not x itself"),
    (lambda x, g: 1 - np.tanh(x) ** 2, "multiply by the upstream gradient `grad` (chain rule)"),
    (lambda x, g: (np.tanh(x) ** 2 - 1) * g, "the sign is flipped: 1 − tanh², not tanh² − 1"),
]
SIGMOID_MISTAKES = [
    (lambda x, g: x * (1 - x) * g, "use σ(x) in σ(x)(1 − σ(x)), not x itself"),
    (
        lambda x, g: _sigmoid(x) * (1 - _sigmoid(x)),
        "multiply by the upstream gradient `grad` (chain rule)",
    ),
    (lambda x, g: _sigmoid(x) * g, "σ′(x) = σ(x)·(1 − σ(x)): the factor (1 − σ(x)) is missing"),
]


def _test(function: str, forward, mistakes, seed: int):
    return gradient_test(
        function, _inputs, forward, returns=(function,), seed=seed, mistakes=mistakes
    )


EXERCISE = exercise(
    "tanh_sigmoid",
    _test("tanh_backward", lambda x: np.tanh(x), TANH_MISTAKES, seed=3),
    _test("sigmoid_backward", lambda x: _sigmoid(x), SIGMOID_MISTAKES, seed=4),
    title="Backward rules of tanh and sigmoid",
    notebook="02_tanh_sigmoid.ipynb",
)
