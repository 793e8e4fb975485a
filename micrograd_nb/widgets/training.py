"""Train the explorer's network on a toy task and record loss and per-layer gradient norms.

The task is two interleaving half-moons in the plane (two classes), small enough that a few
hundred full-batch SGD steps show the difference between a network whose gradients reach the
first layer (ReLU + He: the loss falls) and one where they vanish (deep sigmoid: it stalls).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..data import make_moons
from ..diagnostics import layer_grad_norms
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from ..optim import SGD
from ..tensor import Tensor
from .flow import FlowConfig, blas_for_small_matrices, build_mlp


def moons(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`mg.data.make_moons`, standardized (mean 0, std 1 per feature), as a careful learner would."""
    X, labels = make_moons(n, noise=0.1, seed=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), labels


@dataclass
class TrainingHistory:
    """What one training run recorded, step by step."""

    loss: list[float] = field(default_factory=list)
    grad_norms: list[np.ndarray] = field(default_factory=list)  # per step, first layer first
    accuracy: float = float("nan")  # on the training set after the last step
    skipped_steps: int = 0  # float16: steps the GradScaler skipped because of inf/NaN


def train(
    config: FlowConfig,
    steps: int = 200,
    lr: float = 0.05,
    n_points: int = 200,
    callback: Callable[[int, TrainingHistory], None] | None = None,
) -> TrainingHistory:
    """Full-batch SGD on the moons with the explorer's network (2 inputs, 2 classes, depth layers).

    `callback(step, history)` is called after every step (the widget redraws from it).
    """
    X, labels = moons(n_points, seed=config.seed)
    sizes = [2] + [config.width] * (config.depth - 1) + [2]
    model = build_mlp(config, sizes=sizes)
    dtype = np.float64 if config.dtype == "float64" else np.float32
    x = Tensor(X, dtype=dtype)
    optimizer = SGD(model.parameters(), lr=lr)
    mixed = config.dtype == "float16 mixed"
    scaler = None
    if mixed:
        from ..amp import GradScaler

        scaler = GradScaler()
    history = TrainingHistory()
    with blas_for_small_matrices(), np.errstate(all="ignore"):
        for step in range(steps):
            model.zero_grad()
            with _autocast(mixed):  # float16 products; the loss itself is taken in float32
                loss = F.cross_entropy(model(x), labels)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            if config.clip is not None:
                clip_grad_norm_(model.parameters(), config.clip)
            history.loss.append(float(loss.data))
            history.grad_norms.append(np.array(list(layer_grad_norms(model).values())))
            if scaler is not None:
                before = scaler.get_scale()
                scaler.step(optimizer)
                scaler.update()
                history.skipped_steps += scaler.get_scale() < before
            else:
                optimizer.step()
            if callback is not None:
                callback(step, history)
        predictions = np.argmax(np.asarray(model(x).data), axis=1)
    history.accuracy = float(np.mean(predictions == labels))
    return history


def _autocast(enabled: bool):
    if not enabled:
        return contextlib.nullcontext()
    from ..amp import autocast

    return autocast()
