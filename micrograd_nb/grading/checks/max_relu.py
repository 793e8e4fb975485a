"""Exercise max_relu: ReLU and max route the gradient, they do not scale it."""

from __future__ import annotations

import numpy as np

from ..declare import exercise, gradient_test


def _away_from_kink(rng, shape) -> np.ndarray:
    x = rng.normal(0, 1.5, size=shape)
    return np.where(np.abs(x) < 0.05, 0.3, x)  # finite differences are exact away from 0


def _relu_inputs(rng) -> list[tuple]:
    return [(_away_from_kink(rng, shape), rng.normal(size=shape)) for shape in [(5,), (3, 4)]]


def _max_inputs(rng) -> list[tuple]:
    out = [(np.array([[1.0, 5.0, 3.0]]), np.array([2.0]))]
    return out + [(rng.normal(size=shape), rng.normal(size=shape[0])) for shape in [(4, 3), (2, 6)]]


RELU_MISTAKES = [
    (lambda x, g: g * (g > 0), "the mask comes from the input x (x > 0), not from the gradient"),
    (lambda x, g: (x > 0).astype(float), "multiply the mask by the upstream gradient `grad`"),
    (lambda x, g: np.maximum(x, 0) * g, "the local derivative is 1 where x > 0, not x"),
]
MAX_MISTAKES = [
    (
        lambda x, g: np.broadcast_to(g[:, None], x.shape),
        "max routes the gradient to the largest element only",
    ),
    (
        lambda x, g: np.broadcast_to(g[:, None], x.shape) / x.shape[1],
        "max routes the gradient to the largest element only (this is mean's rule)",
    ),
    (
        lambda x, g: (x == x.max(axis=1, keepdims=True)).astype(float),
        "multiply by the upstream gradient `grad` of each row",
    ),
    (
        lambda x, g: (x == x.min(axis=1, keepdims=True)) * g[:, None],
        "route to the maximum, not the minimum",
    ),
]


def _where_max(x, g) -> str:
    if x.shape == (1, 3):
        return "x = [[1, 5, 3]], grad = [2]"
    return f"x of shape {x.shape} (max over axis 1)"


EXERCISE = exercise(
    "max_relu",
    gradient_test(
        "relu_backward",
        _relu_inputs,
        forward=lambda x: np.maximum(x, 0),
        returns=("relu_backward",),
        seed=24,
        mistakes=RELU_MISTAKES,
        where=lambda x, g: f"x of shape {x.shape}",
    ),
    gradient_test(
        "max_backward",
        _max_inputs,
        forward=lambda x: x.max(axis=1),
        returns=("max_backward",),
        name="max_backward (max over axis 1)",
        seed=25,
        mistakes=MAX_MISTAKES,
        where=_where_max,
    ),
    title="Routing: the backward of ReLU and max",
    notebook="10_max_relu.ipynb",
)
