"""Exercise tanh_sigmoid: elementwise activations, x̄ = ȳ ⊙ σ′(x)."""

from __future__ import annotations

import numpy as np

from ..compare import expect_close, where_of
from ..core import Case, Exercise, Test
from ..oracle import backward_case


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # stable for any x


def _cases(f):
    def cases(rng) -> list[Case]:
        out = []
        points = [(np.array(0.5), np.array(1.0)), (np.array(-2.0), np.array(3.0))]
        points += [(rng.normal(0, 2, size=5), rng.normal(0, 1, size=5)) for _ in range(2)]
        points += [(rng.normal(0, 1.5, size=(2, 3)), rng.normal(0, 1, size=(2, 3)))]
        for x, g in points:
            where = where_of(x=x.item() if x.ndim == 0 else x, grad=g.item() if g.ndim == 0 else g)
            out.append(backward_case(f, [x], g, where, ("dx",)))
        return out

    return cases


def _tanh_judge(case: Case, value, args) -> None:
    x, g = case.args
    t = np.tanh(x)
    mistakes = [
        ((1 - t) * g, "tanh′(x) = 1 − tanh(x)², the tanh is squared"),
        ((1 - x**2) * g, "use tanh(x) in 1 − tanh(x)², not x itself"),
        (1 - t**2, "multiply by the upstream gradient `grad` (chain rule)"),
        ((t**2 - 1) * g, "the sign is flipped: 1 − tanh², not tanh² − 1"),
    ]
    expect_close("tanh_backward", value, case.data["dx"], case.where, mistakes=mistakes)


def _sigmoid_judge(case: Case, value, args) -> None:
    x, g = case.args
    s = _sigmoid(x)
    mistakes = [
        (x * (1 - x) * g, "use σ(x) in σ(x)(1 − σ(x)), not x itself"),
        (s * (1 - s), "multiply by the upstream gradient `grad` (chain rule)"),
        (s * g, "σ′(x) = σ(x)·(1 − σ(x)): the factor (1 − σ(x)) is missing"),
    ]
    expect_close("sigmoid_backward", value, case.data["dx"], case.where, mistakes=mistakes)


EXERCISE = Exercise(
    name="tanh_sigmoid",
    title="Backward rules of tanh and sigmoid",
    notebook="02_tanh_sigmoid.ipynb",
    functions=("tanh_backward", "sigmoid_backward"),
    tests=[
        Test("tanh_backward", "tanh_backward", _cases(np.tanh), _tanh_judge, seed=3),
        Test("sigmoid_backward", "sigmoid_backward", _cases(_sigmoid), _sigmoid_judge, seed=4),
    ],
)
