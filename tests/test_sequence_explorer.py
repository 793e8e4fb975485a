"""SequenceGradientExplorer and its measurement, driven from Python."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.widgets import SequenceGradientExplorer
from micrograd_nb.widgets.sequence_flow import (
    SequenceConfig,
    build_layer,
    measure_sequence_gradients,
)


def test_orthogonal_init_gives_every_gate_block_the_chosen_gain_and_forget_bias():
    layer = build_layer(SequenceConfig(cell="LSTM", gain=1.3, forget_bias=2.0, hidden_size=6))
    w = layer.weight_hh_l0.data
    for k in range(4):
        np.testing.assert_allclose(np.linalg.svd(w[6 * k : 6 * (k + 1)])[1], 1.3, rtol=1e-12)
    bias = layer.bias_hh_l0.data
    assert np.all(bias[6:12] > 2.0 - 1 / np.sqrt(6)) and np.all(bias[:6] < 1 / np.sqrt(6))


def test_the_measured_norms_are_the_hidden_states_gradients_by_central_differences():
    config = SequenceConfig(cell="GRU", seq_len=6, hidden_size=4, batch_size=2, gain=1.2)
    result = measure_sequence_gradients(config)
    # The gradient reaching h_1 (by backprop) against finite differences of the loss in h_1:
    # rebuild the same layer and input, and run the sequence from step 2 on with h_1 nudged.
    with mg.widgets.sequence_flow.seeded(config.seed):
        layer = build_layer(config)
        rng = mg.random.generator()
        x = rng.normal(size=(6, 2, config.input_size))
        direction = rng.normal(size=(4, 1)) / 2.0
    h1 = layer(x[:1])[0].data[0]

    def loss(h):
        output, _ = layer(x[1:], h.reshape(1, 2, 4))
        return ((output[-1] @ direction) ** 2).mean()

    (numeric,) = mg.numerical_grad(loss, [mg.Tensor(h1, requires_grad=True)])
    assert result.hidden_grads[0] == pytest.approx(np.linalg.norm(numeric), rel=1e-6)


def test_a_tanh_rnn_vanishes_below_gain_one_and_explodes_above():
    small = measure_sequence_gradients(SequenceConfig(cell="RNN tanh", gain=0.7, seq_len=40))
    large = measure_sequence_gradients(SequenceConfig(cell="RNN relu", gain=1.6, seq_len=60))
    assert small.kind == "vanishing" and small.verdict.startswith("vanishing: step 1 receives")
    assert small.per_step < 0.7  # at most ρ·max tanh′ = 0.7 per step
    assert large.kind == "exploding" and large.per_step > 1.1


def test_lstm_forget_bias_opens_the_highway():
    closed = measure_sequence_gradients(SequenceConfig(cell="LSTM", forget_bias=0.0))
    open_ = measure_sequence_gradients(SequenceConfig(cell="LSTM", forget_bias=3.0))
    assert closed.kind == "vanishing" and open_.kind == "healthy"
    assert open_.ratio > 1e4 * closed.ratio
    assert open_.cell_grads is not None and np.all(open_.cell_grads > 0)


def test_clipping_is_reported_with_the_norms_before_and_after():
    result = measure_sequence_gradients(
        SequenceConfig(cell="RNN relu", gain=1.5, seq_len=80, clip=1.0)
    )
    assert result.grad_norm > 1e3 and result.clipped_norm == pytest.approx(1.0)
    assert "clipping scales ‖∂L/∂θ‖ from" in result.verdict and result.verdict.endswith("to 1")


def test_config_errors_name_the_setting():
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceConfig(cell="transformer").check()
    with pytest.raises(ValueError, match="seq_len must be >= 2"):
        SequenceConfig(seq_len=1).check()


def test_explorer_controls_drive_the_plot_and_the_verdict():
    explorer = SequenceGradientExplorer(seq_len=30)
    assert explorer.redraws == 1 and explorer.hidden_grads.shape == (30,)
    assert explorer.forget_bias.disabled and explorer.std.disabled and not explorer.gain.disabled
    picture = explorer.image.value
    explorer.cell.value = "LSTM"
    assert not explorer.forget_bias.disabled
    explorer.forget_bias.value = 3.0
    assert explorer.kind == "healthy" and explorer.cell_grads.shape == (30,)
    assert explorer.image.value != picture and "mg-seq-verdict" in explorer.message.value
    explorer.init.value = "normal"
    assert explorer.gain.disabled and not explorer.std.disabled
    explorer.std.value = 0.01
    assert explorer.result.spectral_radius < 0.1
    assert "T=30" in explorer.message.value


def test_a_burst_of_slider_events_costs_one_redraw():
    pending = []
    explorer = SequenceGradientExplorer(seq_len=10, schedule=pending.append)
    redraws = explorer.redraws
    for length in range(11, 60):
        explorer.seq_len.value = length
    assert len(pending) == 1 and explorer.redraws == redraws and explorer.pending
    pending.pop()()
    assert explorer.redraws == redraws + 1 and len(explorer.result.hidden_grads) == 59


def test_the_learners_random_numbers_are_left_alone():
    mg.manual_seed(123)
    expected = np.random.default_rng(123).random()
    SequenceGradientExplorer(seq_len=5)
    assert mg.random.generator().random() == expected
