"""mg.nn.utils: clipping by global L2 norm (exact cap, direction kept) and by value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_nb as mg
from micrograd_nb.nn.utils import clip_grad_norm_, clip_grad_value_


def _params_with_grads(grads):
    params = []
    for g in grads:
        p = mg.nn.Parameter(np.zeros(np.shape(g)))
        p.grad = np.array(g, dtype=np.float64)
        params.append(p)
    return params


def test_clip_grad_norm_caps_global_norm_exactly_and_keeps_direction():
    params = _params_with_grads([[3.0, 0.0], [[0.0], [4.0]]])  # global norm 5
    before = [p.grad.copy() for p in params]
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total == 5.0  # the norm before clipping
    after = np.concatenate([p.grad.ravel() for p in params])
    assert np.linalg.norm(after) == pytest.approx(1.0, abs=1e-15)
    # g ← g · c/‖g‖: every gradient scaled by the same factor 1/5
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad, g / 5)


@settings(deadline=None, max_examples=30)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=12),
    st.floats(1e-3, 1e3),
)
def test_clip_grad_norm_property(values, max_norm):
    params = _params_with_grads([values[: len(values) // 2 + 1], values[len(values) // 2 + 1 :]])
    norm_before = math.sqrt(sum(v * v for v in values))
    total = clip_grad_norm_(params, max_norm)
    assert total == pytest.approx(norm_before, rel=1e-12, abs=1e-300)
    norm_after = math.sqrt(sum(float(np.sum(p.grad**2)) for p in params))
    assert norm_after == pytest.approx(min(norm_before, max_norm), rel=1e-12, abs=1e-300)


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_missing_grads():
    params = _params_with_grads([[0.3, 0.4]])
    params.append(mg.nn.Parameter(np.zeros(2)))  # grad None
    array = params[0].grad
    assert clip_grad_norm_(params, 1.0) == pytest.approx(0.5)
    assert params[0].grad is array and params[1].grad is None


def test_clipping_never_mutates_a_shared_gradient_array():
    shared = np.array([30.0, 40.0])
    a, b = _params_with_grads([[0.0, 0.0], [0.0, 0.0]])
    a.grad = shared
    b.grad = shared
    clip_grad_norm_([a], 5.0)
    np.testing.assert_array_equal(shared, [30.0, 40.0])
    clip_grad_value_([b], 1.0)
    np.testing.assert_array_equal(shared, [30.0, 40.0])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_clip_grad_norm_with_nonfinite_gradient():
    params = _params_with_grads([[np.nan, 1.0]])
    assert math.isnan(clip_grad_norm_(params, 1.0))
    with pytest.raises(RuntimeError, match="detect_anomaly"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_inf_norm_and_single_tensor():
    (p,) = _params_with_grads([[-6.0, 2.0]])
    assert clip_grad_norm_(p, 3.0, norm_type=math.inf) == 6.0
    np.testing.assert_allclose(p.grad, [-3.0, 1.0])


def test_clip_grad_value_clips_elementwise():
    (p,) = _params_with_grads([[-5.0, 0.2, 7.0]])
    clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, 0.2, 1.0])
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([p], -1.0)


def test_clipping_rescues_an_exploding_step():
    # tanh with a large normal init explodes; clipping caps the step each parameter takes
    mg.manual_seed(0)
    model = mg.nn.MLP([8] * 11 + [2], activation="tanh", init="normal", std=1.0)
    x = mg.Tensor(np.random.default_rng(0).normal(size=(16, 8)))
    y = np.random.default_rng(1).integers(0, 2, size=16)
    mg.nn.functional.cross_entropy(model(x), y).backward()
    total = clip_grad_norm_(model.parameters(), 1.0)
    assert total > 1.0
    after = math.sqrt(sum(float(np.sum(p.grad**2)) for p in model.parameters()))
    assert after == pytest.approx(1.0)
