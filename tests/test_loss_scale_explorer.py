"""LossScaleExplorer driven from Python: float16's zones at hand-picked powers of two."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.widgets import LossScaleExplorer
from micrograd_nb.widgets.loss_scale_explorer import scaled_counts

# powers of two sit exactly on float16's boundaries: 2**-25 is half the smallest subnormal
# 2**-24 (a tie, rounded to even: 0), 2**-14 the smallest normal, 2**16 beyond the max 65504
TINY, SMALL, ONE, BIG = 2.0**-30, 2.0**-20, 1.0, 2.0**8
GRADIENTS = [np.array([TINY, -TINY, SMALL, 0.0]), np.array([[ONE, -BIG], [BIG, ONE]])]


@pytest.mark.parametrize(
    "log2_scale, expected",
    [
        (0, {"lost": 2, "subnormal": 1, "normal": 4, "inf": 0}),  # 2**-30 -> 0
        (5, {"lost": 2, "subnormal": 1, "normal": 4, "inf": 0}),  # 2**-25: a tie, to 0
        (6, {"lost": 0, "subnormal": 2, "normal": 5, "inf": 0}),  # 2**-24 kept, 2**-14 normal
        (7, {"lost": 0, "subnormal": 2, "normal": 5, "inf": 0}),  # 2**15 still fits
        (8, {"lost": 0, "subnormal": 2, "normal": 3, "inf": 2}),  # 2**16 > 65504: inf
    ],
)
def test_counts_at_the_boundaries_of_float16(log2_scale, expected):
    explorer = LossScaleExplorer(GRADIENTS, log2_scale=log2_scale)
    assert explorer.counts == expected
    assert sum(explorer.counts.values()) == 7  # the exact zero is not a gradient to lose


def test_moving_the_slider_shifts_the_histogram_and_redraws():
    explorer = LossScaleExplorer(GRADIENTS)
    counts, edges = explorer.histogram
    picture, redraws = explorer.image.value, explorer.redraws
    explorer.log2_scale.value = 8
    shifted, shifted_edges = explorer.histogram
    np.testing.assert_array_equal(shifted_edges, edges)
    step = edges[1] - edges[0]
    np.testing.assert_array_equal(
        shifted[round(8 / step) :], counts[: len(counts) - round(8 / step)]
    )
    assert explorer.redraws == redraws + 1 and explorer.image.value != picture


def test_the_verdict_names_what_happens():
    explorer = LossScaleExplorer(GRADIENTS)
    assert explorer.message.value.startswith("S = 2^0: 2 of 7 nonzero gradients are flushed")
    explorer.log2_scale.value = 6
    assert explorer.message.value == "S = 2^6: all 7 nonzero gradients survive in float16."
    explorer.log2_scale.value = 8
    assert explorer.message.value.startswith("S = 2^8: 2 of 7 scaled gradients overflow to inf")
    assert "skips this step" in explorer.message.value


def matmul_output_grads(model, x, target, scale: float, amp: bool) -> list[np.ndarray]:
    """The gradient at every matmul output of a backward pass of scale · MSE, divided by scale."""
    with mg.amp.autocast(enabled=amp):
        loss = mg.nn.functional.mse_loss(model(x), target)
    model.zero_grad()
    (loss * scale).backward()
    nodes = [n for n in mg.topological_order([loss]) if n.op == "@"]
    return [n.grad.astype(np.float64) / scale for n in nodes]


def test_predicts_the_zeros_of_a_real_float16_backward_pass():
    """Its counts round float32 gradients × S once; a float16 backward pass rounds at every
    step (a subnormal gradient has few digits left), so the counts agree in size, not exactly."""
    mg.manual_seed(1)
    model = mg.nn.MLP([16, 64, 64, 1], activation="tanh", init="xavier", dtype=np.float32)
    rng = np.random.default_rng(0)
    x = mg.Tensor(rng.standard_normal((256, 16)).astype(np.float32))
    with mg.no_grad():
        target = model(x).data + 1e-3 * rng.standard_normal((256, 1)).astype(np.float32)
    reference = matmul_output_grads(model, x, target, 1.0, amp=False)
    explorer = LossScaleExplorer(reference)
    for log2_scale in (0, 16):
        explorer.log2_scale.value = log2_scale
        real = matmul_output_grads(model, x, target, 2.0**log2_scale, amp=True)
        real_zeros = sum(
            int(np.count_nonzero((g == 0) & (r != 0))) for g, r in zip(real, reference)
        )
        predicted = explorer.counts["lost"]
        if log2_scale == 0:
            assert real_zeros > 1000 and real_zeros / 2 < predicted < real_zeros * 2
        else:
            assert predicted == 0 and real_zeros < 20


def test_no_gradient_to_show_is_an_error_that_says_so():
    with pytest.raises(ValueError, match="no nonzero finite gradient"):
        LossScaleExplorer([np.zeros(3)])


def test_displays_as_a_widget():
    bundle = LossScaleExplorer(GRADIENTS)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_non_finite_reference_gradients_are_left_out():
    with_bad = GRADIENTS + [np.array([np.nan, np.inf, -np.inf])]
    for log2_scale in (0, 8):
        assert scaled_counts(np.concatenate([g.ravel() for g in with_bad]), 2.0**log2_scale) == (
            LossScaleExplorer(GRADIENTS, log2_scale=log2_scale).counts
        )
