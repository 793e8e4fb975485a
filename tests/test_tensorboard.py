"""Monitor(log_dir=...) writes TensorBoard event files; read back, they hold what was recorded."""

import sys

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import micrograd_nb as mg
from micrograd_nb import diagnostics as D
from micrograd_nb import nn

STEPS = 3


def _read(log_dir) -> EventAccumulator:
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    return events


@pytest.fixture(scope="module")
def monitored_run(tmp_path_factory):
    """A tanh MLP trained STEPS steps with a logging Monitor; what was logged, and what it saw."""
    log_dir = tmp_path_factory.mktemp("runs") / "mlp"
    mg.manual_seed(0)
    model = nn.MLP([4, 8, 8, 3], activation="tanh")
    rng = np.random.default_rng(0)
    x, y = mg.Tensor(rng.normal(size=(32, 4))), rng.integers(0, 3, size=32)
    monitor = D.Monitor(model, log_dir=str(log_dir))
    opt = mg.optim.SGD(model.parameters(), lr=0.5)
    seen = {"grads": [], "activations": []}
    for _ in range(STEPS):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        monitor.after_backward(loss)
        seen["grads"].append({n: g.copy() for n, g in D.weight_grads(model).items()})
        seen["activations"].append({n: s.values for n, s in monitor.last_activations.items()})
        opt.step()
        monitor.after_step()
    monitor.close()
    return _read(log_dir), monitor, seen


def test_scalars_read_back_equal_the_monitor_history(monitored_run):
    events, monitor, _ = monitored_run
    tags = events.Tags()["scalars"]
    assert "loss" in tags and "grad_norm/layers.0" in tags and "update_to_param/layers.4" in tags
    assert "saturated_fraction/layers.1" in tags
    loss = events.Scalars("loss")
    assert [e.step for e in loss] == list(range(STEPS))
    # TensorBoard keeps scalars in float32
    np.testing.assert_allclose([e.value for e in loss], monitor.losses, rtol=1e-6)
    assert monitor.losses[-1] < monitor.losses[0]
    for metric in ("grad_norm", "grad_to_param", "update_to_param", "act_std"):
        for layer, values in monitor.history[metric].items():
            written = events.Scalars(f"{metric}/{layer}")
            assert [e.step for e in written] == list(range(STEPS))
            np.testing.assert_allclose([e.value for e in written], values, rtol=1e-6)


@pytest.mark.parametrize("kind", ["gradients", "activations"])
def test_histograms_read_back_hold_each_steps_values(monitored_run, kind):
    events, _, seen = monitored_run
    layers = seen["grads" if kind == "gradients" else "activations"][0]
    assert sorted(t for t in events.Tags()["histograms"] if t.startswith(kind)) == sorted(
        f"{kind}/{n}" for n in layers
    )
    for step in range(STEPS):
        arrays = seen["grads" if kind == "gradients" else "activations"][step]
        for layer, values in arrays.items():
            (written,) = [h for h in events.Histograms(f"{kind}/{layer}") if h.step == step]
            h = written.histogram_value
            values = np.asarray(values, dtype=np.float64).ravel()
            assert h.num == values.size
            np.testing.assert_allclose(
                [h.min, h.max, h.sum, h.sum_squares],
                [values.min(), values.max(), values.sum(), np.sum(values**2)],
                rtol=1e-9,
                atol=1e-12,
            )
            assert sum(h.bucket) == values.size  # every value fell in a bucket


def test_a_missing_writer_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"micrograd_nb\[tensorboard\]"):
        D.Monitor(nn.MLP([2, 2]), log_dir=str(tmp_path))
