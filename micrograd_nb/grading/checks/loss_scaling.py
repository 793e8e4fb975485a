"""Exercise loss_scaling: GradScaler's update rule (init 2**16, growth 2, backoff 0.5, interval 2000)."""

from __future__ import annotations

import numpy as np

from ..compare import expect_close, unpack
from ..core import Case, Exercise, Test, Wrong

INIT = 2.0**16


def _reference_update(scale, tracker, found_inf, growth=2.0, backoff=0.5, interval=2000):
    if found_inf:
        return scale * backoff, 0
    tracker += 1
    if tracker == interval:
        return scale * growth, 0
    return scale, tracker


def _update_cases(rng) -> list[Case]:
    calls = [
        ((INIT, 0, False), {}),
        ((INIT, 1998, False), {}),
        ((INIT, 1999, False), {}),
        ((INIT, 1500, True), {}),
        ((INIT, 0, True), {}),
        ((8.0, 2, False), {"growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 3}),
        ((8.0, 2, True), {"growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 3}),
    ]
    out = []
    for args, kwargs in calls:
        names = {
            "growth_factor": "growth",
            "backoff_factor": "backoff",
            "growth_interval": "interval",
        }
        expected = _reference_update(*args, **{names[k]: v for k, v in kwargs.items()})
        extra = "".join(f", {k}={v:g}" for k, v in kwargs.items())
        where = (
            f"update_scale(scale={args[0]:g}, growth_tracker={args[1]}, found_inf={args[2]}{extra})"
        )
        out.append(Case(args, where, kwargs=kwargs, data={"expected": expected}))
    return out


def _update_judge(case: Case, value, args) -> None:
    scale, tracker = unpack("update_scale", value, 2)
    s0, t0, found_inf = case.args
    growth = case.kwargs.get("growth_factor", 2.0)
    interval = case.kwargs.get("growth_interval", 2000)
    want_scale, want_tracker = case.data["expected"]
    scale_mistakes = []
    if found_inf:
        scale_mistakes = [
            (s0 * growth, "on inf/NaN the scale backs off (× backoff_factor), it does not grow"),
            (s0, "on inf/NaN multiply the scale by backoff_factor"),
        ]
    elif t0 + 1 == interval:
        scale_mistakes = [
            (
                s0,
                f"after {interval} steps without inf/NaN the scale grows: count this step first (growth_tracker + 1 == growth_interval)",
            )
        ]
    elif t0 + 2 == interval:
        scale_mistakes = [
            (
                s0 * growth,
                "this grows one step early: the scale grows when growth_tracker + 1 reaches growth_interval",
            )
        ]
    expect_close(
        "the new scale",
        scale,
        want_scale,
        case.where,
        label="expected",
        rtol=1e-12,
        mistakes=scale_mistakes,
    )
    tracker_mistakes = []
    if found_inf:
        tracker_mistakes.append((t0, "reset growth_tracker to 0 when inf/NaN is found"))
    elif t0 + 1 == interval:
        tracker_mistakes.append((interval, "reset growth_tracker to 0 after growing the scale"))
    expect_close(
        "the new growth_tracker",
        tracker,
        want_tracker,
        case.where,
        label="expected",
        rtol=0,
        atol=1e-9,
        mistakes=tracker_mistakes,
    )


def _unscale_cases(rng) -> list[Case]:
    out = []
    for bad in [None, np.inf, np.nan, -np.inf]:
        grads = [rng.normal(size=(2, 3)) * INIT, rng.normal(size=4) * INIT]
        if bad is not None:
            grads[1][2] = bad
        out.append(
            Case(
                (grads, INIT),
                f"gradients scaled by 2**16{'' if bad is None else f' with a {bad} in grads[1]'}",
                data={"found_inf": bad is not None},
            )
        )
    return out


def _unscale_judge(case: Case, value, args) -> None:
    unscaled, found_inf = unpack("unscale", value, 2)
    grads, scale = case.args
    if bool(found_inf) != case.data["found_inf"]:
        hint = " (np.isinf misses NaN; use np.isfinite)" if case.data["found_inf"] else ""
        raise Wrong(
            f"found_inf is {bool(found_inf)}, expected {case.data['found_inf']} for {case.where}{hint}"
        )
    if case.data["found_inf"]:
        return  # the step is skipped; the unscaled values do not matter
    if not isinstance(unscaled, (list, tuple)) or len(unscaled) != len(grads):
        raise Wrong(f"unscale should return a list of {len(grads)} unscaled gradients first")
    for i, (mine, g) in enumerate(zip(unscaled, grads)):
        expect_close(
            f"unscaled gradient {i}",
            mine,
            g / scale,
            case.where,
            label="expected",
            rtol=1e-12,
            mistakes=[(g * scale, "divide by the scale to unscale, do not multiply")],
        )


def _step_cases(rng) -> list[Case]:
    out = []
    for k, bad in enumerate([False, True, False]):
        params = [rng.normal(size=3), rng.normal(size=(2, 2))]
        grads = [rng.normal(size=3) * INIT, rng.normal(size=(2, 2)) * INIT]
        if bad:
            grads[0][1] = np.inf
        tracker = 1999 if k == 2 else 10
        lr = 0.1
        found = bool(bad)
        new_params = params if found else [p - lr * g / INIT for p, g in zip(params, grads)]
        scale, new_tracker = _reference_update(INIT, tracker, found)
        where = f"scaled_sgd_step with scale 2**16, growth_tracker={tracker}, lr=0.1{', an inf in the gradients' if bad else ''}"
        out.append(
            Case(
                (params, grads, lr, INIT, tracker),
                where,
                data={"params": new_params, "scale": scale, "tracker": new_tracker, "bad": bad},
            )
        )
    return out


def _step_judge(case: Case, value, args) -> None:
    params, scale, tracker = unpack("scaled_sgd_step", value, 3)
    old, grads, lr, s0, _ = case.args
    if not isinstance(params, (list, tuple)) or len(params) != len(old):
        raise Wrong(f"scaled_sgd_step should return the list of {len(old)} parameters first")
    for i, (mine, want) in enumerate(zip(params, case.data["params"])):
        mistakes = [
            (old[i] - lr * grads[i], "unscale the gradients (divide by the scale) before the step")
        ]
        what = f"parameter {i} after the step"
        if case.data["bad"] and not np.all(np.isfinite(np.asarray(mine, dtype=float))):
            raise Wrong(f"{what} contains inf/NaN ({case.where}): skip the step when found_inf")
        if case.data["bad"] and not np.allclose(np.asarray(mine, dtype=float), want):
            raise Wrong(
                f"{what} changed ({case.where}): skip the step when the gradients contain inf/NaN"
            )
        expect_close(what, mine, want, case.where, label="expected", rtol=1e-9, mistakes=mistakes)
    expect_close(
        "the new scale", scale, case.data["scale"], case.where, label="expected", rtol=1e-12
    )
    expect_close(
        "the new growth_tracker",
        tracker,
        case.data["tracker"],
        case.where,
        label="expected",
        rtol=0,
    )


EXERCISE = Exercise(
    name="loss_scaling",
    title="Dynamic loss scaling (GradScaler)",
    notebook="13_loss_scaling.ipynb",
    functions=("update_scale", "unscale", "scaled_sgd_step"),
    tests=[
        Test(
            "update_scale: grow, back off, count",
            "update_scale",
            _update_cases,
            _update_judge,
            seed=33,
        ),
        Test(
            "unscale: divide by the scale, detect inf/NaN",
            "unscale",
            _unscale_cases,
            _unscale_judge,
            seed=34,
        ),
        Test(
            "scaled_sgd_step: unscale, skip on inf/NaN, update the scale",
            "scaled_sgd_step",
            _step_cases,
            _step_judge,
            seed=35,
        ),
    ],
)
