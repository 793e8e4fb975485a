"""The explorer widgets driven from Python: the course's cases, coalesced redraws, oracles."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.widgets import ActivationExplorer, GradientFlowExplorer, InitExplorer
from micrograd_nb.widgets._throttle import Coalescer
from micrograd_nb.widgets.flow import FlowConfig, describe, fmt, measure_flow


@pytest.fixture(scope="module")
def explorer():
    """One explorer for the course's cases (each test sets every control it relies on)."""
    return GradientFlowExplorer()


def set_controls(explorer, **values):
    defaults = dict(depth=10, width=64, activation="sigmoid", init="xavier", std=1.0,
                    residual=False, norm="none", clip="off", dtype="float32", seed=0)  # fmt: skip
    for name, value in {**defaults, **values}.items():
        getattr(explorer, name).value = value


def ratio(norms) -> float:
    return float(norms[0] / norms[-1])


# ---- the course's cases ---------------------------------------------------------------------
def test_sigmoid_xavier_vanishes_at_depth_10(explorer):
    set_controls(explorer, depth=10, activation="sigmoid", init="xavier")
    grads, received = explorer.grad_norms, explorer.received
    assert len(grads) == len(received) == 10
    # Each sigmoid layer passes at most 0.25 of the gradient: 9 of them between layer 1 and 10.
    assert ratio(received) < 0.25**9 * 10
    assert ratio(grads) < 1e-4
    assert np.all(np.diff(np.log(grads)) > 0)  # the gradient grows from the first layer to the last
    assert explorer.kind == "vanishing"
    assert explorer.verdict == (
        f"vanishing: layer 1 receives {fmt(ratio(received))} of the last layer's gradient"
    )


def test_relu_he_holds_at_depth_50(explorer):
    set_controls(explorer, depth=50, activation="relu", init="he")
    grads, received = explorer.grad_norms, explorer.received
    assert len(grads) == 50
    assert grads.max() / grads.min() < 30
    assert 0.1 < ratio(received) < 10
    assert explorer.kind == "healthy" and explorer.verdict.startswith("healthy: layer 1 receives")


def test_tanh_with_large_normal_init_explodes(explorer):
    set_controls(explorer, depth=10, activation="tanh", init="normal", std=1.0)
    assert ratio(explorer.grad_norms) > 100
    assert ratio(explorer.received) > 100
    assert explorer.kind == "exploding"
    assert explorer.verdict.startswith("exploding: layer 1 receives")
    assert f"{fmt(ratio(explorer.received))}×" in explorer.verdict


def test_residual_connections_rescue_sigmoid(explorer):
    for depth in (10, 30):
        set_controls(explorer, depth=depth, activation="sigmoid", init="xavier")
        plain = explorer.grad_norms[0]
        assert explorer.kind == "vanishing"
        explorer.residual.value = True
        assert explorer.grad_norms[0] > 1e4 * plain
        assert explorer.kind == "healthy"


def test_batch_norm_rescues_sigmoid(explorer):
    set_controls(explorer, depth=30, activation="sigmoid", init="xavier", norm="batch")
    assert explorer.kind == "healthy"


def test_overflow_is_reported_as_exploding(explorer):
    # ReLU with N(0, 1) weights multiplies the activations by about √(64/2) ≈ 5.7 per layer:
    # float32 overflows long before layer 60.
    set_controls(explorer, depth=60, activation="relu", init="normal", std=1.0)
    assert explorer.kind == "exploding"
    assert "inf/NaN" in explorer.verdict


def test_clipping_bounds_the_global_norm_and_says_so(explorer):
    set_controls(explorer, depth=10, activation="tanh", init="normal", std=1.0)
    unclipped = explorer.grad_norms
    explorer.clip.value = 1.0
    clipped = explorer.grad_norms
    assert math.sqrt(np.sum(clipped**2)) <= 1.0 + 1e-6
    # Clipping by the global norm keeps the direction: every layer is scaled by the same factor.
    np.testing.assert_allclose(clipped / unclipped, clipped[0] / unclipped[0], rtol=1e-4)
    assert "clipped: global norm" in explorer.verdict and "→ 1" in explorer.verdict


def test_depth_one_is_healthy(explorer):
    set_controls(explorer, depth=1)
    assert len(explorer.grad_norms) == 1
    assert explorer.kind == "healthy"


def test_float16_flushes_a_vanishing_gradient_to_zero(explorer):
    set_controls(explorer, depth=10, activation="sigmoid", init="xavier", dtype="float16 mixed")
    assert explorer.received[0] == 0.0 and explorer.grad_norms[0] == 0.0
    assert "float16 flushed it to zero" in explorer.verdict
    explorer.dtype.value = "float32"
    assert explorer.received[0] > 0.0  # float32 still represents it


def test_std_is_only_enabled_for_the_normal_init(explorer):
    set_controls(explorer, init="he")
    assert explorer.std.disabled
    explorer.init.value = "normal"
    assert not explorer.std.disabled


# ---- the numbers against independent oracles ------------------------------------------------
def test_grad_norms_match_central_differences_first_layer_first():
    config = FlowConfig(depth=3, width=4, activation="tanh", init="xavier", dtype="float64",
                        batch_size=8, seed=3)  # fmt: skip
    result = measure_flow(config)
    linears = result.model.linear_layers()
    biases = [layer.bias.data for layer in linears]

    def loss(*weights):  # the network written out by hand: tanh(h Wᵀ + b), last layer linear
        h = result.inputs
        for i, (w, b) in enumerate(zip(weights, biases)):
            h = h @ w.T + b
            h = h.tanh() if i < len(weights) - 1 else h
        return ((h - result.targets) ** 2).mean()

    weights = [mg.Tensor(layer.weight.data, requires_grad=True) for layer in linears]
    numerical = mg.numerical_grad(loss, weights)
    expected = [np.linalg.norm(g) for g in numerical]
    np.testing.assert_allclose(result.grad_norms, expected, rtol=1e-6)


def test_last_layer_receives_the_mse_gradient():
    result = measure_flow(FlowConfig(depth=4, width=8, dtype="float64", batch_size=16))
    y = result.model(result.inputs).data
    t = result.targets.data
    # L = mean((y - t)²) over all B·W elements, so ∂L/∂y = 2(y - t) / (B·W).
    expected = np.linalg.norm(2 * (y - t) / y.size)
    assert result.received[-1] == pytest.approx(expected, rel=1e-9)
    assert result.spreads[-1] == pytest.approx(np.std(y), rel=1e-9)


def test_describe_thresholds_and_formatting():
    assert (
        describe([4e-7, 1.0])[1] == "vanishing: layer 1 receives 4e-7 of the last layer's gradient"
    )
    assert describe([2e4, 1.0])[1] == "exploding: layer 1 receives 2e4× the last layer's gradient"
    assert describe([0.5, 1.0]) == (
        "healthy",
        "healthy: layer 1 receives 0.5 of the last layer's gradient",
    )
    assert describe([np.nan, 1.0])[0] == "exploding"
    assert describe([0.0, 1.0])[0] == "vanishing"
    assert fmt(35000.0) == "3.5e4" and fmt(9.5e-7) == "9.5e-7" and fmt(0.31) == "0.31"


def test_seed_changes_the_network_and_is_reproducible(explorer):
    set_controls(explorer, depth=5, seed=1)
    first = explorer.grad_norms
    explorer.seed.value = 2
    assert not np.allclose(explorer.grad_norms, first)
    explorer.seed.value = 1
    np.testing.assert_array_equal(explorer.grad_norms, first)


def test_the_learners_random_numbers_are_left_alone():
    mg.manual_seed(123)
    expected = mg.random.generator().normal(size=3)
    mg.manual_seed(123)
    measure_flow(depth=3, width=8)
    np.testing.assert_array_equal(mg.random.generator().normal(size=3), expected)


# ---- redraws: every change shows, bursts coalesce ------------------------------------------
def test_each_change_redraws_the_picture_and_the_verdict(explorer):
    set_controls(explorer, depth=10, activation="sigmoid")
    picture, message, redraws = explorer.image.value, explorer.message.value, explorer.redraws
    explorer.activation.value = "relu"
    explorer.init.value = "he"
    assert explorer.redraws > redraws
    assert explorer.image.value != picture and explorer.message.value != message
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_burst_of_slider_events_costs_one_redraw():
    pending = []  # the scheduler: callbacks wait here until the test runs them
    explorer = GradientFlowExplorer(depth=5, width=16, schedule=pending.append)
    assert pending == [] and explorer.redraws == 1  # the first picture is drawn at once
    redraws = explorer.redraws
    for depth in range(6, 40):  # a drag across 34 values
        explorer.depth.value = depth
    assert len(pending) == 1 and explorer.redraws == redraws and explorer.pending
    pending.pop()()
    assert explorer.redraws == redraws + 1 and not explorer.pending
    assert explorer.result.config.depth == 39 and len(explorer.result.grad_norms) == 39


def test_reading_a_result_brings_it_up_to_date_at_once():
    pending = []
    explorer = GradientFlowExplorer(depth=5, width=16, schedule=pending.append)
    explorer.depth.value = 7
    assert len(explorer.grad_norms) == 7  # computed on demand, before the scheduled redraw
    redraws = explorer.redraws
    pending.pop()()  # the scheduled redraw finds nothing left to do
    assert explorer.redraws == redraws


def test_requests_during_a_run_make_exactly_one_more_run():
    seen = []
    state = {"value": 0}

    def redraw():
        seen.append(state["value"])
        if len(seen) == 1:  # events arriving while the first redraw runs
            for v in range(1, 20):
                state["value"] = v
                coalescer.request()

    coalescer = Coalescer(redraw, schedule=lambda callback: callback())
    coalescer.request()
    assert seen == [0, 19] and coalescer.runs == 2 and coalescer.requests == 20


def test_on_an_event_loop_a_burst_is_drawn_once_after_it():
    async def main():
        explorer = GradientFlowExplorer(depth=5, width=16)  # default scheduler: this loop
        redraws = explorer.redraws
        for depth in range(6, 30):
            explorer.depth.value = depth
        assert explorer.redraws == redraws  # nothing drawn while the events arrive
        await asyncio.sleep(0.3)
        return explorer, redraws

    explorer, redraws = asyncio.run(main())
    assert explorer.redraws == redraws + 1
    assert explorer.result.config.depth == 29


def test_explorer_displays_as_a_widget(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert (
        explorer.widget.model_id == bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    )


# ---- training ---------------------------------------------------------------------------------
def test_training_sigmoid_stalls_while_relu_he_learns(explorer):
    set_controls(explorer, depth=10, width=32, activation="sigmoid", init="xavier")
    stalled = explorer.train(steps=150, frames=1)
    set_controls(explorer, depth=10, width=32, activation="relu", init="he")
    learned = explorer.train(steps=150, frames=1)
    assert len(stalled.loss) == len(learned.loss) == 150
    assert len(learned.grad_norms[0]) == 10
    assert stalled.loss[-1] > 0.6  # still about ln 2: guessing
    assert learned.loss[-1] < 0.3 and learned.accuracy > 0.9
    # the stalled net's first layer hardly hears anything
    assert np.median([g[0] for g in stalled.grad_norms]) < 1e-4
    assert explorer.train_image.value[:4] == b"\x89PNG"
    assert "loss" in explorer.train_status.value and not explorer.train_button.disabled


# ---- ActivationExplorer ---------------------------------------------------------------------
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def closed_form_derivative(name: str, x: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-x))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(x) ** 2
    if name == "relu":
        return (x > 0).astype(float)
    if name == "leaky_relu":
        return np.where(x > 0, 1.0, 0.01)
    if name == "gelu":  # the tanh form: ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
        c = math.sqrt(2 / math.pi)
        t = np.tanh(c * (x + 0.044715 * x**3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 3 * 0.044715 * x**2)
    if name == "selu":
        return np.where(x > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(x))
    raise ValueError(name)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "selu"])
def test_activation_derivative_matches_closed_form(name):
    ex = ActivationExplorer(activation=name, points=401)
    away_from_kink = np.abs(ex.x) > 1e-9
    np.testing.assert_allclose(
        ex.dy[away_from_kink],
        closed_form_derivative(name, ex.x[away_from_kink]),
        rtol=1e-9,
        atol=1e-12,
    )


def test_sigmoid_derivative_peaks_at_a_quarter():
    ex = ActivationExplorer(activation="sigmoid")
    assert ex.max_derivative == pytest.approx(0.25, abs=1e-12)
    assert ex.x[np.argmax(ex.dy)] == pytest.approx(0.0, abs=1e-12)
    assert ex.derivative_at(0.0) == 0.25 and ex.derivative_at(3.0) < 0.05
    assert "0.25" in ex.message.value

    def bound_marked():  # a horizontal line at 0.25 on the derivative's panel
        return any(list(line.get_ydata()) == [0.25, 0.25] for line in ex._ax_df.lines)

    assert bound_marked()
    picture = ex.image.value
    ex.activation.value = "tanh"
    assert ex.max_derivative == pytest.approx(1.0) and ex.image.value != picture
    assert not bound_marked()


def test_activation_explorer_range_moves_the_point_limits():
    ex = ActivationExplorer()
    ex.x_max.value = 3.0
    assert (ex.point.min, ex.point.max) == (-3.0, 3.0)
    assert ex.x.min() == -3.0 and ex.x.max() == 3.0


# ---- InitExplorer -------------------------------------------------------------------------------
def test_init_explorer_relu_spreads_per_scheme():
    ex = InitExplorer(activation="relu", depth=10, width=64)
    he, xavier, normal = ex.stds["he"], ex.stds["xavier"], ex.stds["normal"]
    assert len(he) == 10
    assert 1 / 3 < he[-1] / he[0] < 3  # He keeps the spread
    # Xavier on square layers is √(1/fan_in): ReLU halves the variance at each of 9 layers.
    assert xavier[-1] / xavier[0] == pytest.approx(2**-4.5, rel=0.5)
    assert normal[-1] / normal[0] > 1e5  # N(0, 1): about ×5.7 per layer
    assert sorted(ex.histograms["he"]) == [1, 3, 5, 8, 10]


def test_init_explorer_tanh_saturates_with_a_large_init():
    ex = InitExplorer(activation="tanh", depth=8)
    assert ex.saturation["normal"][-1] > 0.5  # most units stuck near ±1, where tanh′ ≈ 0
    assert ex.saturation["xavier"][-1] < 0.05
    picture = ex.image.value
    ex.activation.value = "relu"
    assert ex.image.value != picture and ex.stds["normal"][-1] > 1e3  # ReLU: unbounded
    ex.activation.value = "tanh"
    counts, edges = ex.histograms["xavier"][8]
    assert counts.sum() > 0.99 * 512 * 64 and edges[0] >= -1 and edges[-1] <= 1
