"""Exercise linear_backward: y = x Wᵀ + b; W̄ = ȳᵀx (outer products), b̄ = Σ ȳ, x̄ = ȳ W."""

from __future__ import annotations

from ..declare import exercise, gradient_test

SHAPES = [(1, 3, 2), (4, 3, 2), (5, 3, 3), (2, 4, 1)]  # (batch, in, out); square catches transposes
NAMES = ("dx", "dW", "db")  # what linear_backward returns, in order


def _inputs(rng) -> list[tuple]:
    out = []
    for n, fan_in, fan_out in SHAPES:
        x = rng.normal(size=(n, fan_in))
        W = rng.normal(size=(fan_out, fan_in))
        b = rng.normal(size=fan_out)
        out.append((x, W, b, rng.normal(size=(n, fan_out))))
    return out


def _where(x, W, b, gy) -> str:
    return f"x of shape {x.shape}, W of shape {W.shape}, b of shape {b.shape}"


# Each mistake gives (dx, dW, db) of a typical wrong solution; None where it does not apply.
MISTAKES = [
    (
        lambda x, W, b, gy: (None, x.T @ gy if x.shape[1] == gy.shape[1] else None, None),
        "dW is transposed: dW = grad_yᵀ · x (shape (out, in), like W)",
    ),
    (
        lambda x, W, b, gy: (None, gy.T @ x / len(x), None),
        "sum over the batch, do not average: each example adds its outer product",
    ),
    (
        lambda x, W, b, gy: (None, None, gy.mean(axis=0)),
        "sum grad_y over the batch axis, do not average",
    ),
    (
        lambda x, W, b, gy: (None, gy[:1].T @ x[:1], None),
        "add the outer products of every example in the batch",
    ),
    (
        lambda x, W, b, gy: (None, None, gy.sum(axis=1) if gy.shape[1] == gy.shape[0] else None),
        "sum over the batch axis (axis 0), not the features",
    ),
    (
        lambda x, W, b, gy: (gy @ W.T if W.shape[0] == W.shape[1] else None, None, None),
        "dx = grad_y · W (W, not Wᵀ, for y = x·Wᵀ)",
    ),
]


def _test(which: str, title: str):
    return gradient_test(
        "linear_backward",
        _inputs,
        forward=lambda x, W, b: x @ W.T + b,
        returns=NAMES,
        graded=which,
        name=f"linear_backward: {title}",
        seed=19,
        mistakes=MISTAKES,
        where=_where,
    )


EXERCISE = exercise(
    "linear_backward",
    _test("dW", "dW (outer products)"),
    _test("db", "db (summed over the batch)"),
    _test("dx", "dx"),
    title="Backward pass of a linear layer",
    notebook="07_linear_backward.ipynb",
)
