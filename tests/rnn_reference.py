"""PyTorch's recurrent equations written out in plain NumPy, from its documentation.

An independent reference for the tests: a state_dict of arrays named as PyTorch names them
(weight_ih_l0, ...), time-major input (seq, batch, features); returns output and final states.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _layer_params(state: dict, layer: int) -> tuple:
    key = f"_l{layer}"
    w_ih, w_hh = state["weight_ih" + key], state["weight_hh" + key]
    b_ih = state.get("bias_ih" + key, np.zeros(w_ih.shape[0]))
    b_hh = state.get("bias_hh" + key, np.zeros(w_hh.shape[0]))
    return w_ih, w_hh, b_ih, b_hh


def _run(state, x, h0, num_layers, step):
    """Layer by layer, step by step: h = step(x_t, h, *params) (h may be a tuple of states)."""
    layer_input, finals = x, []
    for layer in range(num_layers):
        params, h, outs = _layer_params(state, layer), h0[layer], []
        for x_t in layer_input:
            h = step(x_t, h, *params)
            outs.append(h[0] if isinstance(h, tuple) else h)
        layer_input = np.stack(outs)
        finals.append(h)
    return layer_input, finals


def rnn_forward(state, x, h0, num_layers, nonlinearity="tanh"):
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh); output, h_n"""
    act = np.tanh if nonlinearity == "tanh" else (lambda v: np.maximum(v, 0.0))

    def step(x_t, h, w_ih, w_hh, b_ih, b_hh):
        return act(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh)

    output, finals = _run(state, x, h0, num_layers, step)
    return output, np.stack(finals)


def lstm_forward(state, x, h0, c0, num_layers):
    """i, f, g, o = σ, σ, tanh, σ (W_ih x + b_ih + W_hh h + b_hh); c = f c + i g; h = o tanh c"""

    def step(x_t, hc, w_ih, w_hh, b_ih, b_hh):
        h, c = hc
        i, f, g, o = np.split(x_t @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c

    output, finals = _run(state, x, list(zip(h0, c0)), num_layers, step)
    return output, np.stack([h for h, _ in finals]), np.stack([c for _, c in finals])


def gru_forward(state, x, h0, num_layers):
    """r, z = σ(...); n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h = (1 - z) n + z h"""

    def step(x_t, h, w_ih, w_hh, b_ih, b_hh):
        x_r, x_z, x_n = np.split(x_t @ w_ih.T + b_ih, 3, axis=-1)
        h_r, h_z, h_n = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
        return (1 - z) * np.tanh(x_n + r * h_n) + z * h

    output, finals = _run(state, x, h0, num_layers, step)
    return output, np.stack(finals)
