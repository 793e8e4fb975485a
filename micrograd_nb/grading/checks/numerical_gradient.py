"""Exercise numerical_gradient: central differences, (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε."""

from __future__ import annotations

import numpy as np

from ..compare import expect_close
from ..core import Case, Exercise, Test, Wrong
from ..functions import FUNCTIONS


def _cases(name: str, shapes):
    f, grad = FUNCTIONS[name]

    def cases(rng) -> list[Case]:
        out = []
        for shape in shapes:
            x = rng.uniform(-1, 1, size=shape)
            out.append(
                Case(
                    (f, x),
                    f"f = {name}, x of shape {shape}",
                    data={"grad": grad(x.copy()), "x": x.copy(), "f": f},
                )
            )
        return out

    return cases


def _judge(case: Case, value, args) -> None:
    x, f = case.data["x"], case.data["f"]
    if not np.array_equal(np.asarray(args[1]), x):
        raise Wrong(
            f"numerical_gradient changed x ({case.where}): put each element back after "
            "perturbing it, or perturb a copy"
        )
    eps = 1e-5
    forward = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        forward[i] = (f(xp) - f(x)) / eps
    mistakes = [
        (
            forward,
            "a one-sided difference (f(x+ε) − f(x))/ε is only accurate to O(ε): use the centred difference",
        ),
        (2 * case.data["grad"], "divide by 2ε: the two evaluation points are 2ε apart"),
    ]
    expect_close(
        "numerical_gradient",
        value,
        case.data["grad"],
        case.where,
        label="exact",
        atol=1e-7,
        rtol=1e-6,
        mistakes=mistakes,
    )


EXERCISE = Exercise(
    name="numerical_gradient",
    title="The numerical gradient",
    notebook="05_numerical_gradient.ipynb",
    functions=("numerical_gradient",),
    tests=[
        Test(
            "numerical_gradient: Σx² on vectors",
            "numerical_gradient",
            _cases("sum_of_squares", [(3,), (5,)]),
            _judge,
            seed=12,
            echo_args=True,
        ),
        Test(
            "numerical_gradient: Σexp(3x) (centred, accurate to O(ε²))",
            "numerical_gradient",
            _cases("exp3", [(4,)]),
            _judge,
            seed=13,
            echo_args=True,
        ),
        Test(
            "numerical_gradient: 2-D input",
            "numerical_gradient",
            _cases("cubic_and_product", [(2, 3), (3, 3)]),
            _judge,
            seed=14,
            echo_args=True,
        ),
    ],
)
