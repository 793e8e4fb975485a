"""mg.diagnostics: the course's vanishing/exploding claims (CURRICULUM §7–9), stats, hooks, plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import micrograd_nb as mg  # noqa: E402
from micrograd_nb import diagnostics as D  # noqa: E402
from micrograd_nb import nn  # noqa: E402

WIDTH, BATCH = 32, 64


def _grad_norms(depth, seed=0, width=WIDTH, **mlp_kw):
    """Layer gradient norms of a cross-entropy loss through MLP([w] * (depth+1) + [10])."""
    mg.manual_seed(seed)
    model = nn.MLP([width] * (depth + 1) + [10], **mlp_kw)
    rng = np.random.default_rng(seed)
    x = mg.Tensor(rng.normal(size=(BATCH, width)))
    y = rng.integers(0, 10, size=BATCH)
    nn.functional.cross_entropy(model(x), y).backward()
    return list(D.layer_grad_norms(model).values())


# ---- CURRICULUM §7–8 -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_depth_10_sigmoid_xavier_first_layer_gradient_vanishes(seed):
    norms = _grad_norms(10, seed, activation="sigmoid", init="xavier")
    assert len(norms) == 11
    # σ' ≤ 0.25 per layer: 0.25¹⁰ ≈ 9.5e-7 across ten layers
    assert norms[0] / norms[-1] < 1e-5
    # and the decay is steady, layer after layer
    assert all(a < b for a, b in zip(norms[:-1], norms[1:]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_depth_50_relu_he_keeps_first_to_last_ratio_near_one(seed):
    norms = _grad_norms(50, seed, activation="relu", init="he")
    assert 0.25 < norms[0] / norms[-1] < 4


def test_relu_without_he_init_vanishes_at_depth_50():
    # With Xavier (std √(2/(n+n)) = √(1/n), half He's variance) ReLU halves the signal's variance
    # at each layer, forward and backward: after 50 layers the first gradient is tiny.
    he = _grad_norms(50, 0, activation="relu", init="he")
    xavier = _grad_norms(50, 0, activation="relu", init="xavier")
    assert xavier[0] < 1e-4 * he[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_large_normal_init_explodes_with_tanh(seed):
    norms = _grad_norms(10, seed, activation="tanh", init="normal", std=1.0)
    assert norms[0] / norms[-1] > 100
    # Xavier with the same activation does not explode
    calm = _grad_norms(10, seed, activation="tanh", init="xavier")
    assert calm[0] / calm[-1] < 10


def test_residual_connections_rescue_deep_sigmoid():
    plain = _grad_norms(10, 0, activation="sigmoid", init="xavier")
    residual = _grad_norms(10, 0, activation="sigmoid", init="xavier", residual=True)
    # ∂(F(x)+x)/∂x = ∂F/∂x + I: the first layer now gets a usable gradient
    assert residual[0] > 1e4 * plain[0]
    assert residual[0] / residual[-1] > 1e-3


def test_layer_norm_keeps_deep_tanh_with_large_init_in_range():
    exploding = _grad_norms(10, 0, activation="tanh", init="normal", std=1.0)
    normalized = _grad_norms(10, 0, activation="tanh", init="normal", std=1.0, norm="layer")
    assert normalized[0] / normalized[-1] < exploding[0] / exploding[-1] / 10


# ---- per-layer statistics ------------------------------------------------------------------------
def _trained_once(seed=0):
    mg.manual_seed(seed)
    model = nn.MLP([4, 6, 5, 3], activation="relu")
    rng = np.random.default_rng(seed)
    x, y = mg.Tensor(rng.normal(size=(16, 4))), rng.integers(0, 3, size=16)
    nn.functional.cross_entropy(model(x), y).backward()
    return model, x, y


def _monitored_sgd(model, x, y, steps: int):
    """`steps` SGD steps (lr 0.1) on the cross-entropy, a Monitor recording each; the monitor."""
    monitor = D.Monitor(model)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        monitor.after_backward()
        opt.step()
        monitor.after_step()
    return monitor


def test_layer_grad_norms_are_weight_gradient_norms_first_layer_first():
    model, _, _ = _trained_once()
    norms = D.layer_grad_norms(model)
    assert list(norms) == ["layers.0", "layers.2", "layers.4"]
    for name, value in norms.items():
        weight = model.get_submodule(name).weight
        assert value == pytest.approx(np.linalg.norm(weight.grad))
    model.zero_grad()
    assert set(D.layer_grad_norms(model).values()) == {0.0}


def test_grad_stats_match_numpy():
    model, _, _ = _trained_once()
    stats = D.grad_stats(model)
    g = model.layers[2].weight.grad
    w = model.layers[2].weight.data
    s = stats["layers.2"]
    assert s.mean == pytest.approx(g.mean()) and s.std == pytest.approx(g.std())
    assert s.max == pytest.approx(np.abs(g).max())
    assert s.grad_to_param == pytest.approx(np.linalg.norm(g) / np.linalg.norm(w))


def test_update_ratio_of_an_sgd_step_is_lr_times_grad_over_weight():
    model, _, _ = _trained_once()
    before = D.snapshot_weights(model)
    stats = D.grad_stats(model)
    nn.utils.clip_grad_norm_(model.parameters(), 1e9)  # no-op: grads stay as they are
    mg.optim.SGD(model.parameters(), lr=0.05).step()
    ratios = D.update_ratios(model, before)
    for name, ratio in ratios.items():
        assert ratio == pytest.approx(0.05 * stats[name].grad_to_param)


def test_dead_relu_fraction_counts_units_off_for_the_whole_batch():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    nn.init.ones_(model[0].weight)
    model[0].bias.data = np.array([-100.0, -100.0, 0.0, 0.0])  # two units can never fire
    x = mg.Tensor(np.abs(np.random.default_rng(0).normal(size=(8, 3))))
    assert D.dead_relu_fraction(model, x) == {"1": 0.5}


def test_activation_stats_report_sigmoid_saturation():
    model = nn.Sequential(nn.Linear(2, 50), nn.Sigmoid())
    nn.init.normal_(model[0].weight, std=100.0)
    stats = D.activation_stats(model, mg.Tensor(np.ones((10, 2))))["1"]
    assert stats.saturated_fraction > 0.9
    assert stats.values.size == 500


def test_hooks_do_not_change_outputs_or_gradients():
    model, x, y = _trained_once()
    plain_out = model(x).data.copy()
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    plain_grads = [p.grad.copy() for p in model.parameters()]

    monitor = D.Monitor(model)
    model.zero_grad()
    out = model(x)
    nn.functional.cross_entropy(out, y).backward()
    monitor.after_backward()
    np.testing.assert_array_equal(out.data, plain_out)
    for p, g in zip(model.parameters(), plain_grads):
        np.testing.assert_array_equal(p.grad, g)
    monitor.close()
    assert all(not m._forward_hooks for m in model.modules())


def test_monitor_records_one_value_per_step_and_layer():
    model, x, y = _trained_once()
    monitor = _monitored_sgd(model, x, y, steps=3)
    assert monitor.steps == [0, 1, 2]
    assert list(monitor.history["grad_norm"]) == ["layers.0", "layers.2", "layers.4"]
    assert all(len(v) == 3 for v in monitor.history["update_to_param"].values())
    assert list(monitor.history["dead_fraction"]) == ["layers.1", "layers.3"]
    with pytest.raises(RuntimeError, match="after_backward"):
        monitor.after_step()


# ---- plots ---------------------------------------------------------------------------------------
def test_plots_draw_one_bar_per_layer_on_a_log_scale():
    model, x, y = _trained_once()
    ax = D.plot_layer_grad_norms(model)
    assert ax.get_yscale() == "log"
    assert len(ax.patches) == 3
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, list(D.layer_grad_norms(model).values()))
    assert "first/last" in ax.get_title()
    plt.close("all")


def test_histogram_and_history_plots():
    model, x, y = _trained_once()
    monitor = _monitored_sgd(model, x, y, steps=2)
    fig, axes = plt.subplots(1, 3)
    D.plot_grad_histograms(model, ax=axes[0])
    D.plot_activation_histograms(monitor.last_activations, ax=axes[1])
    D.plot_history(monitor, "update_to_param", ax=axes[2])
    assert len(axes[0].get_legend().get_texts()) == 3
    assert len(axes[1].get_legend().get_texts()) == 2
    assert len(axes[2].get_lines()) == 3
    with pytest.raises(ValueError, match="unknown metric"):
        D.plot_history(monitor, "loss")
    plt.close("all")


# ---- the character-level MLP's diagnostics (CURRICULUM §17) --------------------------------------
def test_tanh_counts_as_saturated_above_0_97():
    out = np.array([[0.0, 0.5, 0.96, 0.975], [-0.99, -0.969, 0.999, 0.1]])
    stats = D.compute_activation_stats(nn.Tanh(), out)
    assert stats.saturated_fraction == 3 / 8  # 0.975, -0.99, 0.999


def test_recorder_keeps_outputs_and_their_gradients():
    model, x, y = _trained_once()
    with D.ActivationRecorder(model, keep_outputs=True) as recorder:
        hidden = model.layers[1](model.layers[0](x))  # the first activation, by hand
        nn.functional.cross_entropy(model(x), y).backward()
    grads = recorder.output_grads()
    assert list(grads) == ["layers.1", "layers.3"]
    # d loss / d(first activation) by the chain rule through the rest of the network
    rest = nn.Sequential(*list(model.layers)[2:])
    probe = mg.Tensor(hidden.data, requires_grad=True)
    nn.functional.cross_entropy(rest(probe), y).backward()
    np.testing.assert_allclose(grads["layers.1"], probe.grad, rtol=1e-12)
    with pytest.raises(RuntimeError, match="keep_outputs=True"):
        D.ActivationRecorder(model).output_grads()


def test_update_ratio_plot_marks_1e_3_and_histogram_helpers_label_each_layer():
    model, x, y = _trained_once()
    monitor = _monitored_sgd(model, x, y, steps=3)
    ax = D.plot_update_ratios(monitor)
    assert ax.get_yscale() == "log"
    assert any(np.allclose(line.get_ydata(), 1e-3) for line in ax.get_lines())
    assert len(ax.get_lines()) == 4  # three layers and the reference line
    with D.ActivationRecorder(model, keep_outputs=True) as recorder:
        nn.functional.cross_entropy(model(x), y).backward()
    ax = D.plot_activation_grad_histograms(recorder)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    std = recorder.output_grads()["layers.1"].std()
    assert len(texts) == 2 and f"std={std:.2g}" in texts[0]
    ax = D.plot_histograms({"a": np.zeros(5), "b": np.arange(4.0)}, title="t")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1: a std=0", "2: b std=1.1"]
    plt.close("all")
