"""Gradient checkpointing: identical gradients, parameters found, memory held, errors."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.memory import graph_memory, track_saved_memory
from micrograd_nb.utils import checkpoint, checkpoint_sequential


def make_layers(depth=6, width=8, seed=0):
    mg.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [mg.nn.Linear(width, width), mg.nn.Tanh()]
    return layers


def params_of(layers):
    return [p for m in layers for p in m.parameters()]


def run(layers, x, segments):
    for p in params_of(layers):
        p.grad = None
    x.grad = None
    if segments:
        h = checkpoint_sequential(layers, segments, x)
    else:
        h = x
        for m in layers:
            h = m(h)
    loss = (h**2).sum()
    loss.backward()
    return loss, [p.grad.copy() for p in params_of(layers)], x.grad.copy()


@pytest.mark.parametrize("segments", [1, 2, 3, 5, 12])
def test_gradients_are_bitwise_identical_to_no_checkpointing(segments):
    layers = make_layers()
    rng = np.random.default_rng(1)
    x = mg.Tensor(rng.standard_normal((4, 8)), requires_grad=True)
    loss0, grads0, gx0 = run(layers, x, 0)
    loss1, grads1, gx1 = run(layers, x, segments)
    assert loss0.item() == loss1.item()
    for g0, g1 in zip(grads0, grads1):
        np.testing.assert_array_equal(g0, g1)
    np.testing.assert_array_equal(gx0, gx1)


def test_closed_over_parameters_become_inputs_and_get_gradients():
    W = mg.Tensor(np.random.default_rng(0).standard_normal((3, 3)), requires_grad=True)
    x = mg.Tensor(np.ones((2, 3)))  # the data does not require grad, the weights do
    y = checkpoint(lambda h: (h @ W).tanh(), x)
    assert y.requires_grad and y.op == "checkpoint"
    assert any(p is W for p in y.parents)
    loss = y.sum()
    (gW,) = mg.grad(loss, W)  # works through mg.grad too, not only .backward()
    expected = x.data.T @ (1 - np.tanh(x.data @ W.data) ** 2)
    np.testing.assert_allclose(gW, expected, rtol=1e-12)


def test_second_order_gradients_through_a_checkpoint():
    W = mg.Tensor(np.random.default_rng(0).standard_normal((3, 3)), requires_grad=True)
    x = mg.Tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    f = lambda h: (h @ W).tanh()  # noqa: E731
    results = []
    for wrap in (False, True):
        y = checkpoint(f, x) if wrap else f(x)
        (gx,) = mg.grad(y.sum(), x, create_graph=True)
        gW, gx2 = mg.grad((gx**2).sum(), [W, x])
        results.append((gx.data, gW, gx2))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_random_numbers_are_replayed_in_the_recomputation():
    x = mg.Tensor(np.ones((4, 5)), requires_grad=True)

    def dropout(h):
        mask = (np.random.rand(*h.shape) > 0.5).astype(h.dtype)
        return h * mg.Tensor(mask) * 3.0

    np.random.seed(0)
    (dropout(x) ** 2).sum().backward()
    plain = x.grad.copy()
    x.grad = None
    np.random.seed(0)
    (checkpoint(dropout, x) ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, plain)


def test_non_tensor_arguments_are_passed_through():
    x = mg.Tensor(np.arange(3.0), requires_grad=True)
    y = checkpoint(lambda h, power, label: h**power, x, 3, "cube")
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 3 * np.arange(3.0) ** 2)


def test_without_grad_it_is_an_ordinary_call():
    x = mg.Tensor(np.ones(3))
    assert not checkpoint(lambda h: h * 2, x).requires_grad
    with mg.no_grad():
        y = checkpoint(lambda h: h * 2, mg.Tensor(np.ones(3), requires_grad=True))
    assert y.is_leaf and not y.requires_grad


def test_errors_name_the_problem():
    x = mg.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="at least one Tensor"):
        checkpoint(lambda a: a, 3.0)
    with pytest.raises(TypeError, match="return one Tensor"):
        checkpoint(lambda a: (a, a), x)
    with pytest.raises(ValueError, match="segments must lie in 1..2"):
        checkpoint_sequential([lambda h: h, lambda h: h], 3, x)


def test_changing_an_input_after_the_forward_pass_is_detected():
    x = mg.Tensor(np.ones(3), requires_grad=True)
    y = checkpoint(lambda h: h * h, x)
    x.data[0] = 5.0
    x.data = x.data  # a change through the public setter bumps the version counter
    with pytest.raises(mg.InplaceModificationError):
        y.sum().backward()


def test_only_segment_boundaries_are_held_and_the_peak_is_one_segment():
    depth, width, batch, segments = 12, 16, 10, 3
    layers = make_layers(depth, width)
    x = mg.Tensor(np.random.default_rng(0).standard_normal((batch, width)))
    h = x
    for m in layers:
        h = m(h)
    plain = graph_memory(h).activation_bytes
    per_layer = plain / depth  # Linear (matmul, add) + tanh: 3 arrays of batch x width
    assert per_layer == 3 * batch * width * 8
    boundaries = checkpoint_sequential(layers, segments, x)
    held = graph_memory(boundaries).activation_bytes
    assert held == segments * batch * width * 8  # one boundary array per segment
    with track_saved_memory() as tracker:
        loss = checkpoint_sequential(layers, segments, x).sum()
        tracker.sample(loss)
        loss.backward()
    one_segment = per_layer * depth // segments
    assert tracker.peak_bytes == tracker.base_bytes + one_segment
    assert tracker.peak_bytes < plain / 2


def test_recomputation_runs_under_the_autocast_of_the_forward_pass():
    mg.manual_seed(0)
    layers = []
    for _ in range(4):
        layers += [mg.nn.Linear(8, 8, dtype=np.float32), mg.nn.ReLU()]
    params = params_of(layers)
    x = mg.Tensor(np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32))
    results = []
    for segments in (0, 2):
        for p in params:
            p.grad = None
        with mg.amp.autocast():
            h = checkpoint_sequential(layers, segments, x) if segments else x
            if not segments:
                for m in layers:
                    h = m(h)
            loss = (h**2).mean()
        assert h.dtype == np.float16
        loss.backward()  # outside the autocast block, as usual
        results.append([p.grad.copy() for p in params])
    for plain, ckpt in zip(*results):
        assert ckpt.dtype == np.float32
        np.testing.assert_array_equal(plain, ckpt)


def test_forward_mode_flows_through_a_checkpoint():
    W = mg.Tensor(np.random.default_rng(0).standard_normal((3, 3)))
    x = mg.Tensor(np.ones(3))
    v = np.array([1.0, 0.0, 2.0])
    _, plain = mg.jvp(lambda t: (W @ t).tanh(), (x,), (v,))
    _, through = mg.jvp(lambda t: checkpoint(lambda h: (W @ h).tanh(), t), (x,), (v,))
    np.testing.assert_allclose(through, plain)
