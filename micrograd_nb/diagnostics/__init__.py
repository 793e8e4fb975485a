"""Diagnostics (`mg.diagnostics`): is each layer of a network learning, and if not, why?

- `layer_grad_norms(model)` ‖∂L/∂W‖ per layer, first layer first (vanishing / exploding)
- `grad_stats(model)` gradient norm/mean/std/max and ‖∇W‖/‖W‖ per layer
- `snapshot_weights` + `update_ratios` ‖ΔW‖/‖W‖ of one optimizer step
- `ActivationRecorder`, `activation_stats`, `dead_relu_fraction` forward-hook statistics
- `hidden_grad_norms(rnn)`      ‖∂L/∂h_t‖ per time step of a recurrent layer (through time)
- `Monitor` all of the above at every step (also as TensorBoard files); `plot_*` pictures of them
"""

from .activations import (
    ActivationRecorder,
    ActivationStats,
    activation_stats,
    compute_activation_stats,
    dead_relu_fraction,
)
from .monitor import Monitor
from .plots import (
    plot_activation_grad_histograms,
    plot_activation_histograms,
    plot_grad_histograms,
    plot_histograms,
    plot_history,
    plot_layer_grad_norms,
    plot_update_ratios,
)
from .recurrent import hidden_grad_norms
from .stats import (
    GradStats,
    grad_stats,
    layer_grad_norms,
    snapshot_weights,
    update_ratios,
    weight_grads,
    weight_layers,
)
from .tensorboard import TensorBoardLog

__all__ = [
    "ActivationRecorder",
    "ActivationStats",
    "GradStats",
    "Monitor",
    "TensorBoardLog",
    "activation_stats",
    "compute_activation_stats",
    "dead_relu_fraction",
    "grad_stats",
    "hidden_grad_norms",
    "layer_grad_norms",
    "plot_activation_grad_histograms",
    "plot_activation_histograms",
    "plot_grad_histograms",
    "plot_histograms",
    "plot_history",
    "plot_layer_grad_norms",
    "plot_update_ratios",
    "snapshot_weights",
    "update_ratios",
    "weight_grads",
    "weight_layers",
]
