"""Exercise mul_pow: the backward rules of z = x·y and z = xⁿ on floats."""

from __future__ import annotations

from ...gradcheck import numerical_grad
from ..compare import expect_close, named_result, where_of
from ..core import Case, Exercise, Test
from ..oracle import backward_case


def _mul_cases(rng) -> list[Case]:
    points = [(2.0, 3.0, 1.0), (-1.5, 0.5, 1.0)]
    points += [tuple(rng.uniform(-3, 3, size=3)) for _ in range(3)]
    cases = []
    for x, y, g in points:
        where = where_of(x=x, y=y, grad=g)
        cases.append(backward_case(lambda x, y: x * y, [x, y], g, where, ("dx", "dy")))
    return cases


def _mul_judge(which: str):
    def judge(case: Case, value, args) -> None:
        x, y, g = case.args
        mine = named_result("mul_backward", value, ("x", "y"), which)
        mistakes = [
            (y * g if which == "y" else x * g, "x and y are swapped: dz/dx = y and dz/dy = x"),
            (y if which == "x" else x, "multiply by the upstream gradient `grad` (chain rule)"),
        ]
        expect_close(f"d/d{which}", mine, case.data["d" + which], case.where, mistakes=mistakes)

    return judge


def _pow_cases(rng) -> list[Case]:
    points = [(2.0, 3.0, 1.0), (-1.5, 2.0, 1.0), (0.5, -1.0, 2.0)]
    points += [(rng.uniform(0.2, 3), rng.uniform(-3, 3), rng.uniform(-2, 2)) for _ in range(3)]
    cases = []
    for x, n, g in points:
        (dx,) = numerical_grad(lambda x, n=n: x**n, [x], grad_outputs=g)
        data = {"dx": dx, "x": x, "n": n, "g": g}
        cases.append(Case((x, n, g), where_of(x=x, n=n, grad=g), data=data))
    return cases


def _pow_judge(case: Case, value, args) -> None:
    d = case.data
    x, n, g = d["x"], d["n"], d["g"]
    mistakes = [
        (x ** (n - 1) * g, "the power rule brings the exponent down: d/dx xⁿ = n·xⁿ⁻¹"),
        (n * x**n * g, "the exponent drops by one: n·xⁿ⁻¹, not n·xⁿ"),
        (n * x ** (n - 1), "multiply by the upstream gradient `grad` (chain rule)"),
    ]
    expect_close("d/dx", value, d["dx"], case.where, mistakes=mistakes)


EXERCISE = Exercise(
    name="mul_pow",
    title="Backward rules of multiplication and power",
    notebook="01_mul_pow.ipynb",
    functions=("mul_backward", "pow_backward"),
    tests=[
        Test("mul_backward: d/dx", "mul_backward", _mul_cases, _mul_judge("x"), seed=1),
        Test("mul_backward: d/dy", "mul_backward", _mul_cases, _mul_judge("y"), seed=1),
        Test("pow_backward: d/dx (x ** n)", "pow_backward", _pow_cases, _pow_judge, seed=2),
    ],
)
