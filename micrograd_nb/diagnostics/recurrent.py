"""Gradients through time: ‖∂L/∂h_t‖ for each step of a recurrent layer's last forward pass."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor


def hidden_grad_norms(states, layer: int = -1) -> np.ndarray:
    """‖∂L/∂h_t‖₂ for t = 1..T (first step first; 0 where no gradient arrived).

    `states` is a recurrent module after `backward()` (its `hidden_states` of layer `layer`
    are read; for the LSTM's cell states pass `module.cell_states`) or a list of per-step
    tensors. The gradient of h_t is its total: from the output at t and from every later step.
    """
    if hasattr(states, "all_hidden_states"):
        by_layer = states.all_hidden_states
        if not by_layer:
            raise ValueError(
                f"hidden_grad_norms: {type(states).__name__} has not run forward yet; call it "
                "on a sequence and backward() on a loss first"
            )
        states = by_layer[layer]
    if isinstance(states, Tensor) or not isinstance(states, Sequence):
        raise TypeError(
            "hidden_grad_norms: pass a recurrent module (RNN, LSTM, GRU) or a list of the "
            f"per-step hidden states, got {type(states).__name__}"
        )
    norms = np.zeros(len(states))
    for t, h in enumerate(states):
        if h.grad is not None:
            norms[t] = np.sqrt(np.sum(np.square(np.asarray(h.grad, dtype=np.float64))))
    return norms
