"""Named test functions handed to learner code (e.g. to their `numerical_gradient(f, x)`).

The autograder passes a function to the sandboxed process by name; this module (NumPy only)
is loaded there before the learner's code. Each entry is (f, exact gradient).
"""

from __future__ import annotations

import numpy as np


def sum_of_squares(x):
    """Σ x²"""
    return float(np.sum(x * x))


def sum_of_squares_grad(x):
    return 2 * x


def exp3(x):
    """Σ exp(3x): a large second derivative shows the error of a one-sided difference"""
    return float(np.sum(np.exp(3 * x)))


def exp3_grad(x):
    return 3 * np.exp(3 * x)


def cubic_and_product(x):
    """Σ x³/3 + x[0, 1]·x[1, 0] on a 2-D array"""
    return float(np.sum(x**3) / 3 + x[0, 1] * x[1, 0])


def cubic_and_product_grad(x):
    g = x**2
    g[0, 1] += x[1, 0]
    g[1, 0] += x[0, 1]
    return g


FUNCTIONS = {
    "sum_of_squares": (sum_of_squares, sum_of_squares_grad),
    "exp3": (exp3, exp3_grad),
    "cubic_and_product": (cubic_and_product, cubic_and_product_grad),
}
