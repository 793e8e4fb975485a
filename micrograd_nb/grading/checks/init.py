"""Exercise init: Xavier/Glorot std √(2/(fan_in+fan_out)), He/Kaiming std √(2/fan_in)."""

from __future__ import annotations

import numpy as np

from ..compare import as_array, expect_close, fmt
from ..core import Case, Exercise, Test, Wrong

SIZES = [(784, 256), (256, 10), (3, 100), (1000, 1000)]


def _std_cases(rng) -> list[Case]:
    return [
        Case((fan_in, fan_out), f"fan_in={fan_in}, fan_out={fan_out}") for fan_in, fan_out in SIZES
    ]


def _he_cases(rng) -> list[Case]:
    return _std_cases(rng)


def _xavier_judge(case: Case, value, args) -> None:
    fan_in, fan_out = case.args
    mistakes = [
        (
            np.sqrt(1 / (fan_in + fan_out)),
            "Xavier's variance is 2/(fan_in + fan_out): the factor 2 is missing",
        ),
        (2 / (fan_in + fan_out), "that is the variance; the std is its square root"),
        (np.sqrt(2 / fan_in), "that is He's std; Xavier averages fan_in and fan_out"),
    ]
    expect_close(
        "xavier_std",
        value,
        np.sqrt(2 / (fan_in + fan_out)),
        case.where,
        label="expected",
        rtol=1e-9,
        mistakes=mistakes,
    )


def _he_judge(case: Case, value, args) -> None:
    fan_in, fan_out = case.args
    mistakes = [
        (np.sqrt(2 / fan_out), "He's std uses fan_in, not fan_out: √(2/fan_in)"),
        (
            np.sqrt(1 / fan_in),
            "He uses 2/fan_in (ReLU zeroes half the inputs); 1/fan_in is LeCun's",
        ),
        (2 / fan_in, "that is the variance; the std is its square root"),
    ]
    expect_close(
        "he_std",
        value,
        np.sqrt(2 / fan_in),
        case.where,
        label="expected",
        rtol=1e-9,
        mistakes=mistakes,
    )


def _init_cases(rng) -> list[Case]:
    out = []
    for kind in ("he", "xavier"):
        for fan_in, fan_out in [(600, 200), (50, 900)]:
            out.append(
                Case((fan_in, fan_out, kind, 7), f"init_weight({fan_in}, {fan_out}, {kind!r})")
            )
    return out


def _init_judge(case: Case, value, args) -> None:
    fan_in, fan_out, kind, _ = case.args
    W = as_array("init_weight's result", value)
    if W.shape != (fan_out, fan_in):
        extra = (
            " (transposed: a weight matrix is (fan_out, fan_in), as in nn.Linear)"
            if W.shape == (fan_in, fan_out)
            else ""
        )
        raise Wrong(
            f"the weight has shape {W.shape} but should have shape {(fan_out, fan_in)}{extra} for {case.where}"
        )
    target = np.sqrt(2 / fan_in) if kind == "he" else np.sqrt(2 / (fan_in + fan_out))
    std, mean = float(W.std()), float(W.mean())
    # 120,000 samples: the sample std is within 1% of the true one with overwhelming probability.
    if abs(mean) > 5 * target / np.sqrt(W.size):
        raise Wrong(f"the weights' mean is {fmt(mean, 4)}, should be about 0 for {case.where}")
    if abs(std / target - 1) > 0.03:
        hint = ""
        if kind == "he" and abs(std / np.sqrt(2 / fan_out) - 1) < 0.03:
            hint = " — He's std uses fan_in, not fan_out"
        raise Wrong(
            f"the weights' std is {fmt(std, 4)}, expected {fmt(target, 4)} for {case.where}{hint}"
        )


EXERCISE = Exercise(
    name="init",
    title="Xavier and He initialization",
    notebook="12_init.ipynb",
    functions=("xavier_std", "he_std", "init_weight"),
    tests=[
        Test("xavier_std", "xavier_std", _std_cases, _xavier_judge, seed=30),
        Test("he_std", "he_std", _he_cases, _he_judge, seed=31),
        Test(
            "init_weight: shape (fan_out, fan_in) and std",
            "init_weight",
            _init_cases,
            _init_judge,
            seed=32,
        ),
    ],
)
