"""Exercise broadcasting: a gradient is summed back over the axes broadcasting stretched."""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad
from ..compare import expect_close
from ..core import Case, Exercise, Test
from ..declare import gradient_test

SHAPES = [
    ((3, 4), (4,)),
    ((3, 4), (3, 1)),
    ((2, 3, 4), (3, 1)),
    ((2, 3), ()),
    ((2, 3), (2, 3)),
    ((5, 1, 4), (1, 1, 4)),
]
PAIRS = [((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (2, 2))]


def _sum_cases(rng) -> list[Case]:
    out = []
    for big, small in SHAPES:
        g = rng.normal(size=big)
        a = rng.normal(size=small)
        # Oracle: d/da Σ g ⊙ broadcast_to(a, g.shape) by central differences.
        (expected,) = numerical_grad(
            lambda a, big=big: np.broadcast_to(a, big), [a], grad_outputs=g
        )
        out.append(
            Case((g, small), f"grad of shape {big}, shape={small}", data={"expected": expected})
        )
    return out


def _sum_judge(case: Case, value, args) -> None:
    g, shape = case.args
    mistakes = []
    lead = g.ndim - len(shape)
    if lead > 0:
        mistakes.append(
            (
                g.sum(axis=tuple(range(lead))),
                "also sum the axes where `shape` has size 1 (keepdims=True)",
            )
        )
    expect_close("sum_to_shape", value, case.data["expected"], case.where, mistakes=mistakes)


def _mul_inputs(rng) -> list[tuple]:
    out = []
    for sa, sb in PAIRS:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        out.append((a, b, rng.normal(size=np.broadcast_shapes(sa, sb))))
    return out


def _mul_test(which: str) -> Test:
    return gradient_test(
        "broadcast_mul_backward",
        _mul_inputs,
        forward=lambda a, b: a * b,
        returns=("da", "db"),
        graded=which,
        seed=21,
        where=lambda a, b, g: f"a of shape {a.shape}, b of shape {b.shape}",
    )


EXERCISE = Exercise(
    name="broadcasting",
    title="Broadcasting: summing gradients back",
    notebook="08_broadcasting.ipynb",
    functions=("sum_to_shape", "broadcast_mul_backward"),
    tests=[
        Test("sum_to_shape", "sum_to_shape", _sum_cases, _sum_judge, seed=20),
        _mul_test("da"),
        _mul_test("db"),
    ],
)
