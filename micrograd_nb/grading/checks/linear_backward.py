"""Exercise linear_backward: y = x Wᵀ + b; W̄ = ȳᵀx (outer products), b̄ = Σ ȳ, x̄ = ȳ W."""

from __future__ import annotations

from ..compare import expect_close, named_result
from ..core import Case, Exercise, Test
from ..oracle import backward_case

SHAPES = [(1, 3, 2), (4, 3, 2), (5, 3, 3), (2, 4, 1)]  # (batch, in, out); square catches transposes
NAMES = ("dx", "dW", "db")  # what linear_backward returns, in order


def _linear(x, W, b):
    return x @ W.T + b


def _cases(rng) -> list[Case]:
    out = []
    for n, fan_in, fan_out in SHAPES:
        x = rng.normal(size=(n, fan_in))
        W = rng.normal(size=(fan_out, fan_in))
        b = rng.normal(size=fan_out)
        gy = rng.normal(size=(n, fan_out))
        where = f"x of shape {x.shape}, W of shape {W.shape}, b of shape {b.shape}"
        out.append(backward_case(_linear, [x, W, b], gy, where, NAMES))
    return out


def _judge(which: str):
    def judge(case: Case, value, args) -> None:
        x, W, b, gy = case.args
        n = x.shape[0]
        mistakes = {
            "dW": [
                (
                    x.T @ gy if x.shape[1] == gy.shape[1] else None,
                    "dW is transposed: dW = grad_yᵀ · x (shape (out, in), like W)",
                ),
                (
                    (gy.T @ x) / n,
                    "sum over the batch, do not average: each example adds its outer product",
                ),
                (gy[:1].T @ x[:1], "add the outer products of every example in the batch"),
            ],
            "db": [
                (gy.mean(axis=0), "sum grad_y over the batch axis, do not average"),
                (
                    gy.sum(axis=1) if gy.shape[1] == gy.shape[0] else None,
                    "sum over the batch axis (axis 0), not the features",
                ),
            ],
            "dx": [
                (
                    gy @ W.T if W.shape[0] == W.shape[1] else None,
                    "dx = grad_y · W (W, not Wᵀ, for y = x·Wᵀ)",
                ),
            ],
        }[which]
        mistakes = [(alt, hint) for alt, hint in mistakes if alt is not None]
        mine = named_result("linear_backward", value, NAMES, which)
        expect_close(which, mine, case.data[which], case.where, mistakes=mistakes)

    return judge


EXERCISE = Exercise(
    name="linear_backward",
    title="Backward pass of a linear layer",
    notebook="07_linear_backward.ipynb",
    functions=("linear_backward",),
    tests=[
        Test(
            "linear_backward: dW (outer products)", "linear_backward", _cases, _judge("dW"), seed=19
        ),
        Test(
            "linear_backward: db (summed over the batch)",
            "linear_backward",
            _cases,
            _judge("db"),
            seed=19,
        ),
        Test("linear_backward: dx", "linear_backward", _cases, _judge("dx"), seed=19),
    ],
)
