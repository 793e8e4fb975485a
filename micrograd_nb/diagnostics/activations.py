"""Activation statistics recorded by forward hooks: spread, saturation and dead ReLUs.

The hooks only read `output.data`; they return None, so the network computes exactly what it
computes without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..nn.layers import ELU, GELU, SELU, LeakyReLU, ReLU, Sigmoid, Tanh
from ..nn.module import Module

#: module types whose outputs are recorded by default
ACTIVATION_TYPES: tuple[type[Module], ...] = (ReLU, LeakyReLU, Sigmoid, Tanh, GELU, ELU, SELU)

#: |tanh| above this counts as saturated: tanh' = 1 - t² < 0.06 there, the unit passes little gradient
TANH_SATURATION = 0.97


@dataclass
class ActivationStats:
    """One layer's outputs over a batch."""

    mean: float
    std: float
    zero_fraction: float  # elements exactly 0 (ReLU's inactive outputs)
    dead_fraction: float  # units (columns) that are 0 for every sample of the batch
    saturated_fraction: float  # |tanh| > 0.97, or sigmoid within 1% of 0 or 1
    values: np.ndarray = field(repr=False)  # a sample of the outputs, for histograms


def _saturated_fraction(module: Module, out: np.ndarray) -> float:
    if isinstance(module, Sigmoid):
        return float(np.mean((out < 0.01) | (out > 0.99)))
    if isinstance(module, Tanh):
        return float(np.mean(np.abs(out) > TANH_SATURATION))
    return 0.0


def compute_activation_stats(module: Module, out: np.ndarray, max_values: int = 10_000):
    """ActivationStats of one module's output array (batch first)."""
    out = np.asarray(out)
    zero = out == 0
    if out.ndim >= 2:
        dead = float(np.mean(np.all(zero, axis=0)))
    else:
        dead = float(np.mean(zero))
    flat = out.reshape(-1)
    if flat.size > max_values:
        flat = flat[:: -(-flat.size // max_values)]
    return ActivationStats(
        mean=float(out.mean()),
        std=float(out.std()),
        zero_fraction=float(zero.mean()),
        dead_fraction=dead,
        saturated_fraction=_saturated_fraction(module, out),
        values=np.array(flat, dtype=np.float64),
    )


class ActivationRecorder:
    """Record every activation module's output statistics on each forward pass.

    with mg.diagnostics.ActivationRecorder(model) as rec:
        model(x)
    rec.stats   # {'layers.1': ActivationStats(mean=..., dead_fraction=...), ...}

    With `keep_outputs=True` the last forward's output tensors are kept too (`rec.outputs`), so
    after backward `rec.output_grads()` gives the gradient that reached each activation.
    """

    def __init__(
        self,
        model: Module,
        types: tuple[type[Module], ...] = ACTIVATION_TYPES,
        keep_outputs: bool = False,
    ):
        self.model = model
        self.stats: dict[str, ActivationStats] = {}
        self.keep_outputs = keep_outputs
        self.outputs: dict = {}  # {name: output Tensor} of the last forward, with keep_outputs
        self._handles = []
        for name, module in model.named_modules():
            if isinstance(module, types):
                self._handles.append(module.register_forward_hook(self._hook(name)))

    def _hook(self, name: str):
        def record(module: Module, inputs: tuple, output) -> None:
            self.stats[name] = compute_activation_stats(module, output.data)
            if self.keep_outputs:
                self.outputs[name] = output

        return record

    def output_grads(self) -> dict[str, np.ndarray]:
        """{name: ∂L/∂(activation output)} after backward (needs keep_outputs=True)."""
        if not self.keep_outputs:
            raise RuntimeError(
                "output_grads: create the recorder with keep_outputs=True to keep the outputs"
            )
        return {name: out.grad for name, out in self.outputs.items() if out.grad is not None}

    def remove(self) -> None:
        """Detach the hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> ActivationRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def activation_stats(model: Module, x) -> dict[str, ActivationStats]:
    """Run `model(x)` without recording a graph and return each activation layer's statistics."""
    with ActivationRecorder(model) as recorder, no_grad():
        model(x)
    return recorder.stats


def dead_relu_fraction(model: Module, x) -> dict[str, float]:
    """{ReLU layer name: fraction of its units that output 0 for every sample of `x`}."""
    with ActivationRecorder(model, types=(ReLU,)) as recorder, no_grad():
        model(x)
    return {name: s.dead_fraction for name, s in recorder.stats.items()}
