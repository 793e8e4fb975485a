"""Exercise dual_numbers: forward mode with pairs (value, tangent), ε² = 0."""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad
from ..compare import expect_close, fmt, unpack
from ..core import Case, Exercise, Test

# Reference functions of the values only; the tangent is checked numerically along t.
_BINARY = {"dual_mul": lambda a, b: a * b, "dual_div": lambda a, b: a / b}
_UNARY = {"dual_sin": np.sin, "dual_exp": np.exp}


def _pair(rng) -> tuple[float, float]:
    return (float(rng.uniform(0.5, 2.5) * rng.choice([-1, 1])), float(rng.uniform(-2, 2)))


def _binary_cases(name: str):
    f = _BINARY[name]

    def cases(rng) -> list[Case]:
        pairs = [((2.0, 1.0), (3.0, 0.0)), ((2.0, 0.0), (3.0, 1.0))]
        pairs += [(_pair(rng), _pair(rng)) for _ in range(3)]
        out = []
        for a, b in pairs:
            # d/dt f(a + t·da, b + t·db) at t = 0 is the tangent forward mode must produce.
            (tangent,) = numerical_grad(
                lambda t, a=a, b=b: f(a[0] + t * a[1], b[0] + t * b[1]), [0.0]
            )
            where = f"{name}(({fmt(a[0], 4)}, {fmt(a[1], 4)}), ({fmt(b[0], 4)}, {fmt(b[1], 4)}))"
            out.append(Case((a, b), where, data={"value": f(a[0], b[0]), "tangent": tangent}))
        return out

    return cases


def _unary_cases(name: str):
    f = _UNARY[name]

    def cases(rng) -> list[Case]:
        pairs = [(0.5, 1.0), (2.0, 3.0)] + [_pair(rng) for _ in range(3)]
        out = []
        for a in pairs:
            (tangent,) = numerical_grad(lambda t, a=a: f(a[0] + t * a[1]), [0.0])
            where = f"{name}(({fmt(a[0], 4)}, {fmt(a[1], 4)}))"
            out.append(Case((a,), where, data={"value": f(a[0]), "tangent": tangent}))
        return out

    return cases


def _judge(name: str):
    def judge(case: Case, value, args) -> None:
        v, t = unpack(name, value, 2)
        expect_close(f"the value of {name}", v, case.data["value"], case.where, label="expected")
        mistakes = []
        if name == "dual_mul":
            (a, da), (b, db) = case.args
            mistakes = [
                (da * db, "the product rule: (a·b)′ = a′·b + a·b′"),
                (a * db, "the product rule has two terms: a′·b + a·b′"),
            ]
        elif name == "dual_div":
            (a, da), (b, db) = case.args
            mistakes = [
                ((da * b + a * db) / b**2, "the quotient rule subtracts: (a′·b − a·b′)/b²"),
                (da / db if db else np.nan, "(a/b)′ is not a′/b′: use (a′·b − a·b′)/b²"),
                ((da * b - a * db) / b, "divide by b², not b"),
            ]
        elif name == "dual_sin":
            ((a, da),) = case.args
            mistakes = [
                (np.cos(a), "multiply by the tangent of the input (chain rule): cos(a)·a′"),
                (-np.cos(a) * da, "the sign: sin′ = +cos"),
            ]
        elif name == "dual_exp":
            ((a, da),) = case.args
            mistakes = [(np.exp(a), "multiply by the tangent of the input (chain rule): exp(a)·a′")]
        expect_close(
            f"the tangent of {name}", t, case.data["tangent"], case.where, mistakes=mistakes
        )

    return judge


EXERCISE = Exercise(
    name="dual_numbers",
    title="Dual numbers: forward-mode differentiation",
    notebook="06_dual_numbers.ipynb",
    functions=("dual_mul", "dual_div", "dual_sin", "dual_exp"),
    tests=[
        Test("dual_mul", "dual_mul", _binary_cases("dual_mul"), _judge("dual_mul"), seed=15),
        Test("dual_div", "dual_div", _binary_cases("dual_div"), _judge("dual_div"), seed=16),
        Test("dual_sin", "dual_sin", _unary_cases("dual_sin"), _judge("dual_sin"), seed=17),
        Test("dual_exp", "dual_exp", _unary_cases("dual_exp"), _judge("dual_exp"), seed=18),
    ],
)
