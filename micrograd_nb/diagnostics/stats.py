"""Per-layer numbers that tell whether a network trains: gradient and update sizes.

A "layer" here is a module that owns a 2-D `weight` (a `Linear`), listed in the order the
modules were registered, which for `MLP` and `Sequential` is the order of the forward pass:
the first layer first. The ratios compare sizes that should stay in proportion:
‖∇W‖/‖W‖ (gradient to parameter) and ‖ΔW‖/‖W‖ (update to parameter; about 1e-3 is healthy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.module import Module


def weight_layers(model: Module) -> list[tuple[str, Module]]:
    """(name, module) for every module with a 2-D `weight`, first layer first."""
    layers = []
    for name, module in model.named_modules():
        weight = module._parameters.get("weight")
        if weight is not None and weight.ndim == 2:
            layers.append((name or type(module).__name__, module))
    return layers


def weight_grads(model: Module) -> dict[str, np.ndarray]:
    """{layer name: ∂L/∂W} of each layer that has a gradient, first layer first."""
    return {n: m.weight.grad for n, m in weight_layers(model) if m.weight.grad is not None}


def _norm(array) -> float:
    return float(np.sqrt(np.sum(np.square(np.asarray(array, dtype=np.float64)))))


def layer_grad_norms(model: Module) -> dict[str, float]:
    """{layer name: ‖∂L/∂W‖₂} of each layer's weight, first layer first (0.0 before backward)."""
    norms = {}
    for name, module in weight_layers(model):
        grad = module.weight.grad
        norms[name] = 0.0 if grad is None else _norm(grad)
    return norms


@dataclass
class GradStats:
    """Statistics of one layer's weight gradient, and its size relative to the weight."""

    norm: float
    mean: float
    std: float
    max: float  # largest |g|
    param_norm: float
    grad_to_param: float  # ‖g‖ / ‖W‖


def grad_stats(model: Module) -> dict[str, GradStats]:
    """{layer name: GradStats} of each layer's weight gradient, first layer first."""
    stats = {}
    for name, module in weight_layers(model):
        weight = module.weight
        grad = np.zeros(weight.shape) if weight.grad is None else np.asarray(weight.grad, float)
        norm, param_norm = _norm(grad), _norm(weight.data)
        stats[name] = GradStats(
            norm=norm,
            mean=float(grad.mean()),
            std=float(grad.std()),
            max=float(np.abs(grad).max()) if grad.size else 0.0,
            param_norm=param_norm,
            grad_to_param=norm / param_norm if param_norm > 0 else float("inf"),
        )
    return stats


def snapshot_weights(model: Module) -> dict[str, np.ndarray]:
    """Copies of each layer's weight, to measure the next update with `update_ratios`."""
    return {name: np.array(m.weight.data, copy=True) for name, m in weight_layers(model)}


def update_ratios(model: Module, before: dict[str, np.ndarray]) -> dict[str, float]:
    """{layer name: ‖W_after − W_before‖ / ‖W_before‖} for the step taken since `before`."""
    ratios = {}
    for name, module in weight_layers(model):
        old = before[name]
        old_norm = _norm(old)
        change = _norm(np.asarray(module.weight.data, dtype=np.float64) - old)
        ratios[name] = change / old_norm if old_norm > 0 else float("inf")
    return ratios
