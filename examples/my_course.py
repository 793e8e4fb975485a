"""An instructor's own exercises, graded like the built-in ones.

Learners write `softplus_backward`, `mse_loss` and `mse_grad`; check them in a notebook with

    check("softplus", globals(), exercises="my_course.py")

and grade a submission with

    python -m micrograd_nb.grade submission.ipynb --exercises my_course.py
"""

import numpy as np

from micrograd_nb.grading import exercise, gradient_test, reference_test


def softplus(x):
    """log(1 + eˣ), computed without overflow."""
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus_inputs(rng):
    """(x, grad) pairs: softplus′(0) = 0.5 first, then seeded random arrays."""
    fixed = [(np.array(0.0), np.array(1.0))]
    return fixed + [(rng.normal(0, 3, size=6), rng.normal(size=6)) for _ in range(3)]


SOFTPLUS = exercise(
    "softplus",
    gradient_test(
        "softplus_backward",
        softplus_inputs,
        forward=softplus,  # the answer: its float64 numerical gradient times grad
        points=2,
        seed=101,
        mistakes=[
            (lambda x, grad: sigmoid(x), "multiply by the upstream gradient `grad` (chain rule)"),
            (
                lambda x, grad: np.exp(x) * grad,
                "d/dx log(1 + eˣ) = eˣ / (1 + eˣ): divide by 1 + eˣ",
            ),
        ],
    ),
    title="The backward rule of softplus",
)


def pairs(rng):
    """(pred, target) of a few shapes."""
    return [(rng.normal(size=shape), rng.normal(size=shape)) for shape in [(4,), (3, 2), (1,)]]


def mse(pred, target):
    return np.mean((pred - target) ** 2)


MSE = exercise(
    "mse",
    reference_test(
        "mse_loss",
        pairs,
        reference=mse,  # the answer: the reference function's result
        seed=102,
        mistakes=[(lambda pred, target: np.sum((pred - target) ** 2), "average: mean, not sum")],
    ),
    gradient_test(
        "mse_grad",
        pairs,
        forward=mse,
        wrt=("pred",),
        upstream=False,  # mse_grad(pred, target) returns ∂mse/∂pred, no upstream gradient
        seed=103,
        mistakes=[
            (
                lambda pred, target: 2 * (pred - target),
                "divide by the number of elements (the mean)",
            ),
        ],
    ),
    title="Mean squared error and its gradient",
)
