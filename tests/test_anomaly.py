"""mg.detect_anomaly: the first NaN/inf of forward or backward is reported with op and line."""

from __future__ import annotations

import math

import numpy as np
import pytest

import micrograd_nb as mg


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with np.errstate(all="ignore"):
        yield


def test_forward_nan_names_the_op_and_the_learners_line():
    x = mg.Tensor([1.0, -2.0], requires_grad=True)
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        y = (x * 2).log()  # the line the message must show  # noqa: F841
    message = str(info.value)
    assert "forward pass of 'log' produced nan" in message
    assert "Its inputs were finite" in message
    assert __file__ in message
    assert "y = (x * 2).log()  # the line the message must show" in message


def test_backward_inf_names_the_op_created_in_the_forward():
    z = mg.Tensor([0.0, 4.0], requires_grad=True)
    with mg.detect_anomaly():
        root = z.sqrt()  # d/dz sqrt at 0 is inf
        loss = root.sum()
        with pytest.raises(mg.AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "backward pass of 'sqrt' returned inf" in message
    assert "root = z.sqrt()  # d/dz sqrt at 0 is inf" in message
    assert "gradient arriving from later operations was finite" in message


def test_the_first_bad_op_is_reported_not_a_later_one():
    x = mg.Tensor([-1.0, 1.0], requires_grad=True)
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        ((x.sqrt() + 1) * 3).exp()
    assert "'sqrt'" in str(info.value)


def test_nan_in_the_data_is_blamed_on_the_input():
    x = mg.Tensor([np.nan, 1.0], requires_grad=True, label="x")
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError, match="input 0 \\('x'\\) already"):
        x * 2


def test_model_forward_points_at_the_call_site():
    model = mg.nn.Linear(2, 1)
    bad = mg.Tensor([[1e308, 1e308]])
    model.weight.data = np.array([[10.0, 10.0]])
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        model(bad)  # overflow inside Linear
    assert "model(bad)  # overflow inside Linear" in str(info.value)


def test_value_front_end_is_checked_too():
    a = mg.Value(1e200)
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError, match="'\\*' produced inf"):
        a * a


def test_backward_outside_the_block_has_no_site_but_still_raises():
    z = mg.Tensor([0.0], requires_grad=True)
    loss = z.sqrt().sum()
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError, match="forward pass ran outside"):
        loss.backward()


def test_create_graph_gradients_are_checked():
    z = mg.Tensor([0.0], requires_grad=True)
    with mg.detect_anomaly():
        y = z.sqrt().sum()
        with pytest.raises(mg.AnomalyError, match="sqrt"):
            mg.grad(y, z, create_graph=True)


def test_mode_is_off_by_default_restored_after_the_block_and_nan_passes_silently():
    assert not mg.autograd.is_anomaly_enabled()
    with pytest.raises(mg.AnomalyError):
        with mg.detect_anomaly():
            assert mg.autograd.is_anomaly_enabled()
            mg.Tensor([-1.0]).log()
    assert not mg.autograd.is_anomaly_enabled()
    y = mg.Tensor([-1.0], requires_grad=True).log()
    assert math.isnan(y.data[0])


def test_detect_anomaly_as_decorator():
    @mg.detect_anomaly()
    def step():
        return mg.Tensor([0.0]).log()

    with pytest.raises(mg.AnomalyError, match="'log' produced inf"):
        step()


def test_finite_computations_give_identical_results_in_anomaly_mode():
    mg.manual_seed(0)
    model = mg.nn.MLP([3, 4, 2])
    x = mg.Tensor(np.random.default_rng(0).normal(size=(5, 3)))
    y = np.array([0, 1, 1, 0, 1])
    mg.nn.functional.cross_entropy(model(x), y).backward()
    plain = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    with mg.detect_anomaly():
        mg.nn.functional.cross_entropy(model(x), y).backward()
    for p, g in zip(model.parameters(), plain):
        np.testing.assert_array_equal(p.grad, g)
