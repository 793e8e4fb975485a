"""mg.fit: the training helper learns, records a history, and an MLP masters the digits."""

from __future__ import annotations

import time

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import data, nn


def test_mlp_reaches_95_percent_on_digits_in_seconds():
    split = data.load_digits(seed=0)
    mg.manual_seed(0)
    model = nn.MLP([64, 64, 10])
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    start = time.perf_counter()
    history = mg.fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        split.X_train,
        split.y_train,
        epochs=10,
        batch_size=64,
        validation_data=(split.X_test, split.y_test),
        progress=False,
    )
    elapsed = time.perf_counter() - start
    assert history.val_accuracy[-1] > 0.95
    assert elapsed < 20  # generous: about 0.3 s on a laptop
    loss, accuracy = mg.training.evaluate(model, nn.CrossEntropyLoss(), split.X_test, split.y_test)
    assert accuracy == history.val_accuracy[-1] and loss == history.val_loss[-1]


def test_history_records_epochs_and_steps():
    X, y = data.make_moons(100, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 16, 16, 2])
    seen = []
    history = mg.fit(
        model,
        nn.functional.cross_entropy,
        mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        X,
        y,
        epochs=30,
        batch_size=25,
        progress=False,
        callback=lambda epoch, h: seen.append(epoch),
    )
    assert len(history.loss) == 30 and len(history.accuracy) == 30
    assert len(history.step_loss) == 30 * 4 and len(history.grad_norm) == 30 * 4
    assert seen == list(range(30))
    assert history["loss"][-1] < history["loss"][0] / 3
    assert history.accuracy[-1] > 0.9
    assert history.val_loss == []


def test_clipping_inside_fit_records_norms_before_clipping():
    X, y = data.make_spirals(90, seed=0)
    mg.manual_seed(0)
    model = nn.MLP([2, 8, 8, 3], activation="tanh", init="normal", std=3.0)
    grads_after = []

    class Spy(mg.optim.SGD):
        def step(self):
            grads_after.append(nn.utils.total_grad_norm(model.parameters()))
            super().step()

    history = mg.fit(
        model,
        nn.CrossEntropyLoss(),
        Spy(model.parameters(), lr=0.01),
        X,
        y,
        epochs=2,
        batch_size=30,
        clip_grad_norm=0.5,
        progress=False,
    )
    assert max(history.grad_norm) > 0.5
    for before, after in zip(history.grad_norm, grads_after):
        assert after == pytest.approx(min(before, 0.5))


def test_fit_feeds_a_monitor_and_regression_without_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    t = X @ np.array([[1.0], [-2.0], [0.5]])
    mg.manual_seed(0)
    model = nn.MLP([3, 8, 1], activation="tanh", init="xavier")
    monitor = mg.diagnostics.Monitor(model)
    history = mg.fit(
        model,
        nn.MSELoss(),
        mg.optim.Adam(model.parameters(), lr=0.02),
        X,
        t,
        epochs=40,
        batch_size=16,
        validation_data=(X, t),
        progress=False,
    )
    assert history.accuracy == [] and history.val_accuracy == []
    assert history.val_loss[-1] < 0.1 * history.val_loss[0]
    assert monitor.steps == []  # not passed to fit: nothing recorded
    monitored = mg.fit(
        model,
        nn.MSELoss(),
        mg.optim.SGD(model.parameters(), lr=0.01),
        X,
        t,
        epochs=1,
        batch_size=16,
        progress=False,
        monitor=monitor,
    )
    assert monitor.steps == [0, 1, 2, 3]
    # fit hands every batch's loss to the monitor: four equal batches average to the epoch's loss
    assert len(monitor.losses) == 4
    assert np.isclose(np.mean(monitor.losses), monitored.loss[0])
    assert len(monitor.history["update_to_param"]["layers.0"]) == 4
    monitor.close()


def test_fit_runs_with_a_text_progress_bar_outside_jupyter(capsys):
    X, y = data.make_moons(40, seed=0)
    model = nn.MLP([2, 4, 2])
    history = mg.fit(
        model, nn.CrossEntropyLoss(), mg.optim.SGD(model.parameters(), lr=0.1), X, y, epochs=2
    )
    assert len(history.loss) == 2
    assert "training" in capsys.readouterr().err


def test_fit_feeds_float64_data_to_a_float32_model_in_float32():
    X, y = data.make_moons(64, seed=0)
    model = nn.MLP([2, 8, 2], dtype=np.float32)
    dtypes = []
    model.register_forward_hook(lambda m, inputs, out: dtypes.append(out.dtype))
    mg.fit(model, nn.CrossEntropyLoss(), mg.optim.SGD(model.parameters(), lr=0.1), X, y,
           epochs=1, batch_size=32, validation_data=(X, y), progress=False)  # fmt: skip
    assert dtypes == [np.float32] * 3
    assert all(p.dtype == np.float32 for p in model.parameters())
