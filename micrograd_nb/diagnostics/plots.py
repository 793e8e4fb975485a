"""Matplotlib pictures of the diagnostics: per-layer bars, histograms and curves over steps.

Each function draws on `ax` (or a new figure) and returns the Axes, so plots can be combined.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.module import Module
from .activations import ActivationRecorder, ActivationStats
from .monitor import Monitor
from .stats import layer_grad_norms, weight_grads


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(7, 3.5))
    return ax


def plot_layer_grad_norms(
    model_or_norms: Module | dict[str, float], ax: Any = None, title: str | None = None
):
    """Bars of ‖∂L/∂W‖ per layer on a log scale, first layer on the left."""
    norms = model_or_norms if isinstance(model_or_norms, dict) else layer_grad_norms(model_or_norms)
    ax = _axes(ax)
    values = np.array(list(norms.values()), dtype=float)
    positions = np.arange(1, len(values) + 1)
    shown = np.where(values > 0, values, np.nan)  # a zero has no place on a log axis
    ax.bar(positions, shown, color="tab:blue")
    ax.set_yscale("log")
    ax.set_xticks(positions)
    ax.set_xlabel("layer (1 = first, next to the input)")
    ax.set_ylabel("‖∂L/∂W‖")
    finite = values[np.isfinite(values) & (values > 0)]
    if len(finite) >= 2:
        ratio = finite[0] / finite[-1]
        ax.set_title(title or f"gradient norm per layer (first/last = {ratio:.2g})")
    else:
        ax.set_title(title or "gradient norm per layer")
    return ax


def plot_histograms(
    arrays: dict[str, np.ndarray],
    ax: Any = None,
    bins: int = 50,
    title: str = "",
    xlabel: str = "value",
    labels: dict[str, str] | None = None,
):
    """One outlined histogram per layer of `arrays` ({layer: values}), with each std in the legend."""
    ax = _axes(ax)
    for i, (name, values) in enumerate(arrays.items()):
        values = np.asarray(values, dtype=float).ravel()
        extra = (labels or {}).get(name, "")
        label = f"{i + 1}: {name} std={values.std():.2g}{extra}"
        ax.hist(values, bins=bins, histtype="step", density=True, label=label)
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 3))  # tiny gradients stay legible
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    if arrays:
        ax.legend(fontsize="small")
    return ax


def plot_grad_histograms(model: Module, ax: Any = None, bins: int = 50):
    """Histograms of each layer's weight-gradient values, one outline per layer."""
    return plot_histograms(
        weight_grads(model), ax, bins, "weight gradients per layer", "gradient value"
    )


def plot_activation_histograms(
    stats: dict[str, ActivationStats] | ActivationRecorder, ax: Any = None, bins: int = 50
):
    """Histograms of each activation layer's outputs, with saturation / dead fractions in the legend."""
    if isinstance(stats, ActivationRecorder):
        stats = stats.stats
    labels = {}
    for name, s in stats.items():
        labels[name] = f" saturated={s.saturated_fraction:.0%}" if s.saturated_fraction else ""
        labels[name] += f" dead={s.dead_fraction:.0%}" if s.dead_fraction else ""
    values = {name: s.values for name, s in stats.items()}
    return plot_histograms(values, ax, bins, "activations per layer", "activation value", labels)


def plot_activation_grad_histograms(recorder: ActivationRecorder, ax: Any = None, bins: int = 50):
    """Histograms of ∂L/∂(activation output) per layer (a recorder with keep_outputs=True)."""
    title = "gradients reaching each activation layer"
    return plot_histograms(recorder.output_grads(), ax, bins, title, "gradient value")


def plot_update_ratios(monitor: Monitor, ax: Any = None, target: float = 1e-3):
    """‖ΔW‖/‖W‖ per layer over the steps on a log scale, with the healthy `target` (1e-3) drawn."""
    ax = plot_history(monitor, "update_to_param", ax=ax)
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"{target:g}")
    ax.set_ylabel("update / weight  ‖ΔW‖/‖W‖")
    ax.set_title("update-to-weight ratio per layer (healthy: about 1e-3)")
    ax.legend(fontsize="small")
    return ax


def plot_history(monitor: Monitor, metric: str = "grad_norm", ax: Any = None, log: bool = True):
    """One curve per layer of `monitor.history[metric]` over training steps."""
    if metric not in monitor.history:
        raise ValueError(
            f"plot_history: unknown metric {metric!r}; the monitor has {sorted(monitor.history)}"
        )
    ax = _axes(ax)
    series = monitor.history[metric]
    for i, (name, values) in enumerate(series.items()):
        ax.plot(np.arange(len(values)), values, label=f"{i + 1}: {name}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per layer over training")
    if series:
        ax.legend(fontsize="small")
    return ax
