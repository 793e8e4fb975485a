"""Exercise mul_pow: the backward rules of z = x·y and z = xⁿ on floats."""

from __future__ import annotations

from ..declare import exercise, gradient_test


def _mul_inputs(rng) -> list[tuple]:
    points = [(2.0, 3.0, 1.0), (-1.5, 0.5, 1.0)]
    return points + [tuple(rng.uniform(-3, 3, size=3)) for _ in range(3)]


def _pow_inputs(rng) -> list[tuple]:
    points = [(2.0, 3.0, 1.0), (-1.5, 2.0, 1.0), (0.5, -1.0, 2.0)]
    return points + [
        (rng.uniform(0.2, 3), rng.uniform(-3, 3), rng.uniform(-2, 2)) for _ in range(3)
    ]


MUL_MISTAKES = [
    (lambda x, y, g: (x * g, y * g), "x and y are swapped: dz/dx = y and dz/dy = x"),
    (lambda x, y, g: (y, x), "multiply by the upstream gradient `grad` (chain rule)"),
]
POW_MISTAKES = [
    (lambda x, n, g: x ** (n - 1) * g, "the power rule brings the exponent down: d/dx xⁿ = n·xⁿ⁻¹"),
    (lambda x, n, g: n * x**n * g, "the exponent drops by one: n·xⁿ⁻¹, not n·xⁿ"),
    (lambda x, n, g: n * x ** (n - 1), "multiply by the upstream gradient `grad` (chain rule)"),
]


def _mul_test(which: str):
    return gradient_test(
        "mul_backward",
        _mul_inputs,
        forward=lambda x, y: x * y,
        graded=f"d/d{which}",
        name=f"mul_backward: d/d{which}",
        seed=1,
        mistakes=MUL_MISTAKES,
    )


EXERCISE = exercise(
    "mul_pow",
    _mul_test("x"),
    _mul_test("y"),
    gradient_test(
        "pow_backward",
        _pow_inputs,
        forward=lambda x, n: x**n,
        wrt=("x",),
        name="pow_backward: d/dx (x ** n)",
        seed=2,
        mistakes=POW_MISTAKES,
    ),
    title="Backward rules of multiplication and power",
    notebook="01_mul_pow.ipynb",
)
