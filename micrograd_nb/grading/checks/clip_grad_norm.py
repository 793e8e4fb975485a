"""Exercise clip_grad_norm: g ← g · c/‖g‖ when the global L2 norm ‖g‖ exceeds c."""

from __future__ import annotations

import numpy as np

from ..compare import expect_close, fmt, unpack
from ..core import Case, Exercise, Test, Wrong


def _case(grads: list, max_norm: float, where: str) -> Case:
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    scale = min(1.0, max_norm / total)
    per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
    return Case(
        (grads, max_norm),
        where,
        data={"total": total, "clipped": [g * scale for g in grads], "per_tensor": per_tensor},
    )


def _random(rng, factor: float) -> list[Case]:
    cases = []
    for k in range(3):
        grads = [rng.normal(size=(3, 2)), rng.normal(size=4), rng.normal(size=())]
        total = np.sqrt(sum(np.sum(g * g) for g in grads))
        cases.append(
            _case(
                grads,
                float(total * factor),
                f"random gradients {k + 1}, max_norm = {fmt(total * factor, 4)}",
            )
        )
    return cases


def _norm_cases(rng) -> list[Case]:
    return [
        _case([np.array([3.0]), np.array([4.0])], 1.0, "grads [[3], [4]], max_norm=1")
    ] + _random(rng, 0.5)


def _clip_cases(rng) -> list[Case]:
    return [
        _case([np.array([3.0, 0.0]), np.array([[4.0]])], 1.0, "grads [[3, 0], [[4]]], max_norm=1")
    ] + _random(rng, 0.3)


def _below_cases(rng) -> list[Case]:
    return [
        _case(
            [np.array([0.3]), np.array([0.4])], 1.0, "grads [[0.3], [0.4]], max_norm=1 (norm 0.5)"
        )
    ] + _random(rng, 2.0)


def _global_cases(rng) -> list[Case]:
    return [
        _case(
            [np.array([3.0]), np.array([4.0])],
            4.5,
            "grads [[3], [4]], max_norm=4.5 (each tensor's norm is below 4.5, the total 5 is not)",
        )
    ] + _random(rng, 0.9)


def _norm_judge(case: Case, value, args) -> None:
    clipped, total = unpack("clip_grad_norm", value, 2)
    squared = case.data["total"] ** 2
    expect_close(
        "the total norm",
        total,
        case.data["total"],
        case.where,
        label="expected",
        mistakes=[(squared, "take the square root: ‖g‖ = sqrt(Σ g²)")],
        rtol=1e-6,
    )


def _clip_judge(case: Case, value, args) -> None:
    clipped, total = unpack("clip_grad_norm", value, 2)
    grads = case.args[0]
    if not isinstance(clipped, (list, tuple)) or len(clipped) != len(grads):
        raise Wrong(
            f"clip_grad_norm should return a list of {len(grads)} clipped gradients first ({case.where})"
        )
    for i, (mine, expected) in enumerate(zip(clipped, case.data["clipped"])):
        mistakes = [
            (
                case.data["per_tensor"][i],
                "clip by the global norm of all gradients together, not each tensor by its own norm",
            ),
            (
                grads[i] * case.args[1] / case.data["total"],
                "only clip when the norm exceeds max_norm: never scale gradients up",
            ),
            (
                np.clip(grads[i], -case.args[1], case.args[1]),
                "this clips each value; clip the norm: g · max_norm/‖g‖ keeps the direction",
            ),
        ]
        expect_close(
            f"clipped gradient {i}",
            mine,
            expected,
            case.where,
            label="expected",
            rtol=1e-5,
            mistakes=mistakes,
        )


EXERCISE = Exercise(
    name="clip_grad_norm",
    title="Gradient clipping by global norm",
    notebook="11_clip_grad_norm.ipynb",
    functions=("clip_grad_norm",),
    tests=[
        Test("clip_grad_norm: total norm", "clip_grad_norm", _norm_cases, _norm_judge, seed=26),
        Test(
            "clip_grad_norm: scales to max_norm, keeps the direction",
            "clip_grad_norm",
            _clip_cases,
            _clip_judge,
            seed=27,
        ),
        Test(
            "clip_grad_norm: unchanged below max_norm",
            "clip_grad_norm",
            _below_cases,
            _clip_judge,
            seed=28,
        ),
        Test(
            "clip_grad_norm: global, not per tensor",
            "clip_grad_norm",
            _global_cases,
            _clip_judge,
            seed=29,
        ),
    ],
)
