"""Exercise broadcasting: a gradient is summed back over the axes broadcasting stretched."""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad
from ..compare import expect_close, named_result
from ..core import Case, Exercise, Test
from ..oracle import backward_case

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


def _mul_cases(rng) -> list[Case]:
    out = []
    for sa, sb in PAIRS:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        g = rng.normal(size=np.broadcast_shapes(sa, sb))
        where = f"a of shape {sa}, b of shape {sb}"
        out.append(backward_case(lambda a, b: a * b, [a, b], g, where, ("da", "db")))
    return out


def _mul_judge(which: str):
    def judge(case: Case, value, args) -> None:
        mine = named_result("broadcast_mul_backward", value, ("da", "db"), which)
        expect_close(which, mine, case.data[which], case.where)

    return judge


EXERCISE = Exercise(
    name="broadcasting",
    title="Broadcasting: summing gradients back",
    notebook="08_broadcasting.ipynb",
    functions=("sum_to_shape", "broadcast_mul_backward"),
    tests=[
        Test("sum_to_shape", "sum_to_shape", _sum_cases, _sum_judge, seed=20),
        Test(
            "broadcast_mul_backward: da",
            "broadcast_mul_backward",
            _mul_cases,
            _mul_judge("da"),
            seed=21,
        ),
        Test(
            "broadcast_mul_backward: db",
            "broadcast_mul_backward",
            _mul_cases,
            _mul_judge("db"),
            seed=21,
        ),
    ],
)
