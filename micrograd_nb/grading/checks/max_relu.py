"""Exercise max_relu: ReLU and max route the gradient, they do not scale it."""

from __future__ import annotations

import numpy as np

from ..compare import expect_close
from ..core import Case, Exercise, Test
from ..oracle import backward_case


def _away_from_kink(rng, shape) -> np.ndarray:
    x = rng.normal(0, 1.5, size=shape)
    return np.where(np.abs(x) < 0.05, 0.3, x)  # finite differences are exact away from 0


def _relu_cases(rng) -> list[Case]:
    out = []
    for shape in [(5,), (3, 4)]:
        x, g = _away_from_kink(rng, shape), rng.normal(size=shape)
        where = f"x of shape {shape}"
        out.append(backward_case(lambda x: np.maximum(x, 0), [x], g, where, ("dx",)))
    return out


def _relu_judge(case: Case, value, args) -> None:
    x, g = case.args
    mistakes = [
        (g * (g > 0), "the mask comes from the input x (x > 0), not from the gradient"),
        ((x > 0).astype(float), "multiply the mask by the upstream gradient `grad`"),
        (np.maximum(x, 0) * g, "the local derivative is 1 where x > 0, not x"),
    ]
    expect_close("relu_backward", value, case.data["dx"], case.where, mistakes=mistakes)


def _max_cases(rng) -> list[Case]:
    out = [
        Case(
            (np.array([[1.0, 5.0, 3.0]]), np.array([2.0])),
            "x = [[1, 5, 3]], grad = [2]",
            data={"dx": np.array([[0.0, 2.0, 0.0]])},
        )
    ]
    for shape in [(4, 3), (2, 6)]:
        x, g = rng.normal(size=shape), rng.normal(size=shape[0])
        where = f"x of shape {shape} (max over axis 1)"
        out.append(backward_case(lambda x: x.max(axis=1), [x], g, where, ("dx",)))
    return out


def _max_judge(case: Case, value, args) -> None:
    x, g = case.args
    hits = (x == x.max(axis=1, keepdims=True)).astype(float)
    mistakes = [
        (
            np.broadcast_to(g[:, None], x.shape),
            "max routes the gradient to the largest element only",
        ),
        (
            np.broadcast_to(g[:, None], x.shape) / x.shape[1],
            "max routes the gradient to the largest element only (this is mean's rule)",
        ),
        (hits, "multiply by the upstream gradient `grad` of each row"),
        ((x == x.min(axis=1, keepdims=True)) * g[:, None], "route to the maximum, not the minimum"),
    ]
    expect_close("max_backward", value, case.data["dx"], case.where, mistakes=mistakes)


EXERCISE = Exercise(
    name="max_relu",
    title="Routing: the backward of ReLU and max",
    notebook="10_max_relu.ipynb",
    functions=("relu_backward", "max_backward"),
    tests=[
        Test("relu_backward", "relu_backward", _relu_cases, _relu_judge, seed=24),
        Test("max_backward (max over axis 1)", "max_backward", _max_cases, _max_judge, seed=25),
    ],
)
