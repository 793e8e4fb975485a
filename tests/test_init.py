"""mg.nn.init: the spread of each scheme matches its formula (statistically), gains, names."""

from __future__ import annotations

import math

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.nn import init

FAN_OUT, FAN_IN = 300, 400  # a (out, in) weight: 120,000 draws, std known to about 0.3%


def _weight():
    return mg.nn.Parameter(np.zeros((FAN_OUT, FAN_IN)))


@pytest.mark.parametrize(
    ("fill", "expected_std"),
    [
        (lambda w: init.xavier_normal_(w), math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (lambda w: init.xavier_uniform_(w), math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (lambda w: init.xavier_normal_(w, gain=5 / 3), 5 / 3 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), math.sqrt(2 / FAN_IN)),
        (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2 / FAN_IN)),
        (
            lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
            math.sqrt(2 / FAN_OUT),
        ),
        (lambda w: init.lecun_normal_(w), math.sqrt(1 / FAN_IN)),
        (lambda w: init.normal_(w, std=0.3), 0.3),
        (lambda w: init.uniform_(w, -0.5, 0.5), 1 / math.sqrt(12)),
    ],
)
def test_std_matches_formula(fill, expected_std):
    mg.manual_seed(0)
    w = fill(_weight())
    # the sample std of 120,000 draws is within 1.5% of the true one with overwhelming probability
    assert w.data.std() == pytest.approx(expected_std, rel=0.015)
    assert abs(w.data.mean()) < 0.02 * expected_std


def test_uniform_schemes_respect_their_bound():
    mg.manual_seed(0)
    w = init.xavier_uniform_(_weight())
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(w.data).max() <= bound
    assert np.abs(w.data).max() > 0.99 * bound


def test_calculate_gain_values():
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    mg.manual_seed(0)
    w = init.orthogonal_(mg.nn.Parameter(np.zeros(shape)), gain=2.0).data
    singular = np.linalg.svd(w, compute_uv=False)
    np.testing.assert_allclose(singular, 2.0, atol=1e-12)


def test_zeros_ones_keep_shape_and_dtype_and_bump_version():
    w = mg.nn.Parameter(np.full((2, 3), 7.0, dtype=np.float32))
    version = w._version
    init.zeros_(w)
    assert w.dtype == np.float32 and w.shape == (2, 3) and not w.data.any()
    assert w._version > version
    init.ones_(w)
    assert (w.data == 1).all()


def test_fan_needs_a_matrix():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_normal_(mg.nn.Parameter(np.zeros(5)))


def test_seed_reproduces_draws():
    mg.manual_seed(7)
    a = init.normal_(_weight()).data.copy()
    mg.manual_seed(7)
    b = init.normal_(_weight()).data
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("name", "kw", "expected_std"),
    [
        ("xavier", {}, math.sqrt(2 / (64 + 64))),
        ("he", {}, math.sqrt(2 / 64)),
        ("lecun", {}, math.sqrt(1 / 64)),
        ("normal", {"std": 0.5}, 0.5),
        ("orthogonal", {}, math.sqrt(1 / 64)),  # an orthogonal 64x64 matrix has entries of rms 1/8
    ],
)
def test_mlp_init_names(name, kw, expected_std):
    mg.manual_seed(0)
    model = mg.nn.MLP([64] * 6, init=name, **kw)
    for layer in model.linear_layers():
        assert (layer.bias.data == 0).all()
    weights = np.concatenate([layer.weight.data.ravel() for layer in model.linear_layers()])
    assert weights.std() == pytest.approx(expected_std, rel=0.03)


def test_unknown_init_name():
    with pytest.raises(ValueError, match="unknown scheme"):
        mg.nn.MLP([2, 2], init="magic")
