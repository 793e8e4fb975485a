"""`fit`: the training loop of the course, with a progress bar and a live loss plot.

    history = mg.fit(model, mg.nn.CrossEntropyLoss(), mg.optim.Adam(model.parameters(), 1e-2),
                     X_train, y_train, epochs=20, batch_size=64, validation_data=(X_test, y_test))

Each step is the loop written out in the notebooks: forward, loss, `zero_grad`, `backward`,
optionally clip, `step`. The progress bar is tqdm's notebook bar in Jupyter (text elsewhere);
the loss plot redraws in place in Jupyter, within a time budget (`live_plot.py`), and is skipped
outside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd import no_grad
from .data import batches
from .live_plot import LiveLossPlot
from .nn.module import Module
from .nn.utils import clip_grad_norm_, total_grad_norm
from .optim.optimizer import Optimizer
from .tensor import Tensor


@dataclass
class History:
    """What happened during `fit`: per-epoch means and per-step values."""

    loss: list[float] = field(default_factory=list)  # mean training loss of each epoch
    accuracy: list[float] = field(default_factory=list)  # training accuracy of each epoch
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)  # loss of every mini-batch
    grad_norm: list[float] = field(
        default_factory=list
    )  # global ‖g‖ of every step, before clipping
    seconds: float = 0.0

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def _in_jupyter() -> bool:
    """True when running in a Jupyter kernel, where a figure can be redrawn in place."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _input_dtype(model: Module, X: np.ndarray):
    """Feed floating inputs in the parameters' dtype, so a float32 model computes in float32."""
    params = model.parameters()
    if params and np.issubdtype(X.dtype, np.floating):
        return params[0].dtype
    return None


def _accuracy(output: np.ndarray, y: np.ndarray) -> float:
    """Share of correct class predictions: argmax of the logits (or logit > 0 for one column)."""
    if output.ndim == 2 and output.shape[1] > 1:
        predicted = output.argmax(axis=1)
    else:
        predicted = (output.reshape(-1) > 0).astype(np.int64)
    return float(np.mean(predicted == np.asarray(y).reshape(-1)))


def evaluate(
    model: Module, loss_fn: Callable, X: np.ndarray, y: np.ndarray, accuracy: bool = True
) -> tuple[float, float | None]:
    """(loss, accuracy) of the model on (X, y) in eval mode, without recording a graph."""
    X = np.asarray(X)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            output = model(Tensor(X, dtype=_input_dtype(model, X)))
            loss = float(loss_fn(output, y).item())
    finally:
        model.train(was_training)
    return loss, (_accuracy(output.data, y) if accuracy else None)


def fit(
    model: Module,
    loss_fn: Callable,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 10,
    batch_size: int = 32,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = True,
    plot: bool = True,
    shuffle: bool = True,
    clip_grad_norm: float | None = None,
    accuracy: bool | None = None,
    monitor: Any = None,
    callback: Callable[[int, History], Any] | None = None,
) -> History:
    """Train `model` on (X, y) with mini-batches for `epochs` passes; return the History.

    `loss_fn(output, y_batch)` returns a scalar Tensor. `accuracy` defaults to True for integer
    labels. `monitor` (an `mg.diagnostics.Monitor`) records per-layer statistics at every step.
    `callback(epoch, history)` runs after each epoch.
    """
    from tqdm.auto import tqdm

    X, y = np.asarray(X), np.asarray(y)
    if accuracy is None:
        accuracy = np.issubdtype(y.dtype, np.integer)
    history = History()
    live = LiveLossPlot() if plot and _in_jupyter() else None
    params = [p for group in optimizer.param_groups for p in group["params"]]
    dtype = _input_dtype(model, X)
    start = time.perf_counter()
    model.train()
    bar = tqdm(range(epochs), desc="training", disable=not progress, leave=True)
    for epoch in bar:
        losses, correct, seen = [], 0.0, 0
        for xb, yb in batches(X, y, batch_size, shuffle=shuffle):
            output = model(Tensor(xb, dtype=dtype))
            loss = loss_fn(output, yb)
            optimizer.zero_grad()
            loss.backward()
            if monitor is not None:
                monitor.after_backward(loss)
            if clip_grad_norm is not None:
                history.grad_norm.append(clip_grad_norm_(params, clip_grad_norm))
            else:
                history.grad_norm.append(total_grad_norm(params))
            optimizer.step()
            if monitor is not None:
                monitor.after_step()
            value = float(loss.item())
            losses.append(value)
            history.step_loss.append(value)
            if accuracy:
                correct += _accuracy(output.data, yb) * len(yb)
                seen += len(yb)
        history.loss.append(float(np.mean(losses)))
        if accuracy:
            history.accuracy.append(correct / seen)
        postfix = {"loss": f"{history.loss[-1]:.4f}"}
        if validation_data is not None:
            val_loss, val_acc = evaluate(model, loss_fn, *validation_data, accuracy=accuracy)
            history.val_loss.append(val_loss)
            postfix["val_loss"] = f"{val_loss:.4f}"
            if val_acc is not None:
                history.val_accuracy.append(val_acc)
                postfix["val_acc"] = f"{val_acc:.3f}"
        bar.set_postfix(postfix, refresh=False)
        if live is not None:
            live.update(history, final=epoch == epochs - 1)
        if callback is not None:
            callback(epoch, history)
    bar.close()
    history.seconds = time.perf_counter() - start
    return history
