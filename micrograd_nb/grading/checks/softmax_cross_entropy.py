"""Exercise softmax_cross_entropy: loss = mean(−log softmax(z)[y]); z̄ = (p − onehot(y)) / N."""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad
from ..compare import as_array, expect_close, named_result
from ..core import Case, Exercise, Test, Wrong


def _loss(z: np.ndarray, y: np.ndarray) -> float:
    """The stable reference: log-sum-exp with the row maximum subtracted."""
    m = z.max(axis=1, keepdims=True)
    logsumexp = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return float(np.mean(logsumexp - z[np.arange(len(y)), y]))


def _case(z: np.ndarray, y: np.ndarray, where: str) -> Case:
    (dz,) = numerical_grad(lambda z: _loss(z, y), [z])
    return Case((z, y), where, data={"loss": _loss(z, y), "dz": dz})


def _small(rng) -> list[Case]:
    cases = [_case(np.array([[2.0, 1.0, 0.1]]), np.array([0]), "logits [[2, 1, 0.1]], target [0]")]
    for n, k in [(4, 3), (6, 5)]:
        z, y = rng.normal(0, 2, size=(n, k)), rng.integers(0, k, size=n)
        cases.append(_case(z, y, f"{n} random rows of {k} logits"))
    return cases


def _large(rng) -> list[Case]:
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, 0.0, 1000.0]])
    z2 = rng.normal(0, 1, size=(3, 4)) + 800.0
    return [
        _case(z, np.array([1, 0]), "logits [[1000, 999, 998], [-1000, 0, 1000]], targets [1, 0]"),
        _case(z2, rng.integers(0, 4, size=3), "logits around 800"),
    ]


def _judge(which: str):
    def judge(case: Case, value, args) -> None:
        z, y = case.args
        n = len(y)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        onehot = np.eye(z.shape[1])[y]
        what = "the loss" if which == "loss" else "dlogits"
        mine = named_result("softmax_cross_entropy", value, ("loss", "dz"), which)
        if np.abs(z).max() > 500 and not np.all(np.isfinite(as_array(what, mine))):
            raise Wrong(
                f"{what} contains nan/inf at {case.where}: exp(1000) overflows. Subtract each "
                "row's maximum before exp() (softmax(z) = softmax(z − max z)) and compute the "
                "log-probabilities as (z − max) − log Σ exp(z − max)"
            )
        if which == "loss":
            mistakes = [(case.data["loss"] * n, "average the loss over the batch (divide by N)")]
            expect_close(
                what, mine, case.data["loss"], case.where, label="expected", mistakes=mistakes
            )
            return
        mistakes = [
            (p - onehot, "divide by the batch size N: the loss is a mean"),
            ((onehot - p) / n, "the sign: dz = (p − onehot(y)) / N"),
            (p / n, "subtract onehot(y): dz = (p − onehot(y)) / N"),
        ]
        expect_close(what, mine, case.data["dz"], case.where, mistakes=mistakes)

    return judge


EXERCISE = Exercise(
    name="softmax_cross_entropy",
    title="Softmax + cross-entropy backward",
    notebook="09_softmax_cross_entropy.ipynb",
    functions=("softmax_cross_entropy",),
    tests=[
        Test(
            "softmax_cross_entropy: loss", "softmax_cross_entropy", _small, _judge("loss"), seed=22
        ),
        Test(
            "softmax_cross_entropy: dlogits = (p − onehot)/N",
            "softmax_cross_entropy",
            _small,
            _judge("dz"),
            seed=22,
        ),
        Test(
            "softmax_cross_entropy: loss at logits ~1000 (stable)",
            "softmax_cross_entropy",
            _large,
            _judge("loss"),
            seed=23,
        ),
        Test(
            "softmax_cross_entropy: dlogits at logits ~1000 (stable)",
            "softmax_cross_entropy",
            _large,
            _judge("dz"),
            seed=23,
        ),
    ],
)
