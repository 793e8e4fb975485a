"""mg.optim against updates computed by hand, param groups, and gradient accumulation."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import nn, optim


def _param(values):
    return nn.Parameter(np.array(values, dtype=np.float64))


def _step_with_grad(opt, p, grad):
    p.grad = np.array(grad, dtype=np.float64)
    opt.step()
    return p.data.copy()


def test_sgd_plain_step():
    p = _param([1.0, -2.0])
    after = _step_with_grad(optim.SGD([p], lr=0.1), p, [0.5, -1.0])
    np.testing.assert_allclose(after, [1.0 - 0.05, -2.0 + 0.1])


def test_sgd_momentum_two_steps_by_hand():
    p = _param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    # step 1: b = g = 2 -> p = 1 - 0.2 = 0.8
    assert _step_with_grad(opt, p, [2.0]) == pytest.approx([0.8])
    # step 2: b = 0.9*2 + 1 = 2.8 -> p = 0.8 - 0.28 = 0.52
    assert _step_with_grad(opt, p, [1.0]) == pytest.approx([0.52])


def test_sgd_nesterov_and_weight_decay_by_hand():
    p = _param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.1)
    # g = 2 + 0.1*1 = 2.1; b = 2.1; step = g + 0.5 b = 3.15 -> p = 1 - 0.315
    assert _step_with_grad(opt, p, [2.0]) == pytest.approx([0.685])
    # g = 1 + 0.0685 = 1.0685; b = 0.5*2.1 + 1.0685 = 2.1185; step = 1.0685 + 1.05925
    assert _step_with_grad(opt, p, [1.0]) == pytest.approx([0.685 - 0.1 * (1.0685 + 1.05925)])
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)


def test_adam_first_step_is_lr_times_sign_of_grad():
    # m̂ = g and v̂ = g² after one step, so the update is lr * g / (|g| + eps)
    p = _param([1.0, 1.0, 1.0])
    g = np.array([1e-4, -3.0, 250.0])
    after = _step_with_grad(optim.Adam([p], lr=0.01), p, g)
    np.testing.assert_allclose(after, 1.0 - 0.01 * g / (np.abs(g) + 1e-8))


def test_adam_second_step_by_hand():
    p = _param([0.0])
    opt = optim.Adam([p], lr=0.1, betas=(0.9, 0.99), eps=0.0)
    _step_with_grad(opt, p, [1.0])  # p = -0.1
    after = _step_with_grad(opt, p, [3.0])
    m = 0.9 * 0.1 + 0.1 * 3.0  # 0.39
    v = 0.99 * 0.01 + 0.01 * 9.0  # 0.0999
    m_hat, v_hat = m / (1 - 0.81), v / (1 - 0.99**2)
    assert after == pytest.approx([-0.1 - 0.1 * m_hat / np.sqrt(v_hat)])


def test_adam_l2_versus_adamw_decoupled_decay():
    p1, p2 = _param([2.0]), _param([2.0])
    adam = optim.Adam([p1], lr=0.1, weight_decay=0.5)
    adamw = optim.AdamW([p2], lr=0.1, weight_decay=0.5)
    # Adam folds wd*p into g (g = 0.5 + 1 = 1.5): the first step is still lr * sign
    assert _step_with_grad(adam, p1, [0.5]) == pytest.approx([2.0 - 0.1])
    # AdamW shrinks p first: 2 * (1 - 0.05) = 1.9, then the Adam step of 0.1
    assert _step_with_grad(adamw, p2, [0.5]) == pytest.approx([1.9 - 0.1])


def test_rmsprop_first_steps_by_hand():
    p = _param([1.0])
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=0.0)
    # v = 0.1 * 4 = 0.4 -> p = 1 - 0.01 * 2 / sqrt(0.4)
    first = 1 - 0.01 * 2 / np.sqrt(0.4)
    assert _step_with_grad(opt, p, [2.0]) == pytest.approx([first])
    v = 0.9 * 0.4 + 0.1 * 1.0
    assert _step_with_grad(opt, p, [1.0]) == pytest.approx([first - 0.01 / np.sqrt(v)])


def test_rmsprop_momentum_and_centered():
    p = _param([1.0])
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5, eps=0.0, momentum=0.9, centered=True)
    # v = 0.5*4 = 2, gavg = 0.5*2 = 1, avg = sqrt(2 - 1) = 1, buf = 2 -> p = 1 - 0.2
    assert _step_with_grad(opt, p, [2.0]) == pytest.approx([0.8])


def test_param_groups_have_their_own_lr_and_inherit_defaults():
    a, b = _param([1.0]), _param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 1.0
    assert opt.param_groups[1]["momentum"] == 0.0
    a.grad = np.array([1.0])
    b.grad = np.array([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.0)
    opt.param_groups[0]["lr"] = 0.5  # a schedule changes lr in place, as in PyTorch
    a.grad = np.array([1.0])
    opt.step()
    assert a.data[0] == pytest.approx(0.4)


def test_step_assigns_new_arrays_and_skips_params_without_grad():
    p, q = _param([1.0, 2.0]), _param([3.0])
    opt = optim.SGD([p, q], lr=0.1)
    old_array, version = p.data, p._version
    p.grad = np.array([1.0, 1.0])
    opt.step()
    assert p.data is not old_array and p._version > version
    np.testing.assert_array_equal(old_array, [1.0, 2.0])  # the old array is untouched
    assert q.data[0] == 3.0
    opt.zero_grad()
    assert p.grad is None


def test_float32_parameters_stay_float32():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = optim.Adam([p])
    p.grad = np.ones(3, dtype=np.float32)
    opt.step()
    assert p.dtype == np.float32


def test_optimizer_rejects_bad_parameters():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.SGD([mg.Tensor([1.0])], lr=0.1)


@pytest.mark.parametrize("make_opt", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.01),
])  # fmt: skip
def test_accumulated_micro_batches_equal_one_large_batch(make_opt):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, size=12)
    mg.manual_seed(0)
    big = nn.MLP([3, 5, 2], activation="tanh")
    small = nn.MLP([3, 5, 2], activation="tanh")
    small.load_state_dict(big.state_dict())
    opt_big, opt_small = make_opt(big.parameters()), make_opt(small.parameters())
    for _ in range(3):
        opt_big.zero_grad()
        nn.functional.cross_entropy(big(mg.Tensor(X)), y).backward()
        opt_big.step()

        opt_small.zero_grad()
        k = 4  # four micro-batches of 3; each mean loss scaled by 1/k so the sum is the big mean
        for idx in np.array_split(np.arange(12), k):
            (nn.functional.cross_entropy(small(mg.Tensor(X[idx])), y[idx]) / k).backward()
        for p_big, p_small in zip(big.parameters(), small.parameters()):
            np.testing.assert_allclose(p_small.grad, p_big.grad, rtol=1e-12, atol=1e-15)
        opt_small.step()
    for p_big, p_small in zip(big.parameters(), small.parameters()):
        np.testing.assert_allclose(p_small.data, p_big.data, rtol=1e-12, atol=1e-15)


def test_sgd_trains_a_small_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    t = X @ np.array([[2.0], [-1.0]]) + 0.5
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(mg.Tensor(X)), t)
        loss.backward()
        opt.step()
    np.testing.assert_allclose(model.weight.data, [[2.0, -1.0]], atol=1e-4)
    np.testing.assert_allclose(model.bias.data, [0.5], atol=1e-4)
