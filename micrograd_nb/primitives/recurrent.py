"""The gate arithmetic of one LSTM or GRU step, each as one fused primitive.

A recurrent step applies a handful of elementwise operations to its gate pre-activations; as
separate Tensor operations that is a dozen graph nodes per step, and their bookkeeping, not the
arithmetic, would dominate a long sequence. Here the whole gate block is one node with its
backward written out (the chain rule through the same equations, done by hand once):

    LSTM  i, f, g, o = σ(aᵢ), σ(a_f), tanh(a_g), σ(aₒ);  c' = f c + i g;  h' = o tanh(c')
          c̄' = c̄'_out + h̄' o (1 − tanh²c');  c̄ = c̄' f
          āᵢ = c̄' g i(1 − i),  ā_f = c̄' c f(1 − f),  ā_g = c̄' i (1 − g²),  āₒ = h̄' tanh(c') o(1 − o)
    GRU   r, z = σ(xᵣ + hᵣ), σ(x_z + h_z);  n = tanh(xₙ + r hₙ);  h' = (1 − z) n + z h
          n̄ = h̄'(1 − z),  z̄ = h̄'(h − n),  h̄ = h̄' z;  p̄ₙ = n̄(1 − n²)
          x̄ = [r̄ r(1 − r), z̄ z(1 − z), p̄ₙ],  h̄_proj = [same, same, p̄ₙ r]  with r̄ = p̄ₙ hₙ

`micrograd_nb.nn.rnn_cells` composes the same equations from elementary operations
(`lstm_gates_by_hand`, `gru_gates_by_hand`); the tests hold these rules against that.
The LSTM returns h' and c' side by side, [h' | c'] along the last axis, since an operation has
one output. Under `create_graph=True` the activations are recomputed from the input nodes, so
the backward is differentiable again.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Node
from . import generic as F
from . import raw
from . import shape as shape_ops


def _join(parts: list):
    """The pieces side by side along the last axis (raw arrays or graph nodes)."""
    if any(isinstance(p, Node) for p in parts):
        return shape_ops.Concatenate.apply(*parts, axis=-1)
    return np.concatenate(parts, axis=-1)


def _blocks(x, count: int) -> list:
    """`count` equal column blocks of x (the gates stacked along the last axis)."""
    size = x.shape[-1] // count
    return [x[..., k * size : (k + 1) * size] for k in range(count)]


def _lstm_activations(gates, c):
    """(i, f, g, o, tanh c'): the LSTM's gates and squashed new cell state."""
    a_i, a_f, a_g, a_o = _blocks(gates, 4)
    i, f, g, o = F.sigmoid(a_i), F.sigmoid(a_f), F.tanh(a_g), F.sigmoid(a_o)
    return i, f, g, o, F.tanh(f * c + i * g)


class LSTMGates(Function):
    """[h' | c'] from gate pre-activations a (i, f, g, o blocks) and c; c̄ = c̄' f"""

    name = "lstm_gates"

    @staticmethod
    def forward(ctx, gates, c):
        a_i, a_f, a_g, a_o = _blocks(gates, 4)
        i, f, o = raw.sigmoid(a_i), raw.sigmoid(a_f), raw.sigmoid(a_o)
        g = np.tanh(a_g)
        c_next = f * c + i * g
        tc = np.tanh(c_next)
        ctx.save_for_backward(gates, c)
        ctx.activations = (i, f, g, o, tc)
        return np.concatenate([o * tc, c_next], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        gates, c = ctx.saved_tensors
        if isinstance(grad, Node):  # differentiable backward: rebuild the gates from the nodes
            i, f, g, o, tc = _lstm_activations(gates, c)
        else:
            i, f, g, o, tc = ctx.activations
        dh, dc_out = _blocks(grad, 2)
        dc = dc_out + dh * o * (1 - tc * tc)
        d_gates = _join([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                         dh * tc * o * (1 - o)])  # fmt: skip
        return d_gates, dc * f

    @staticmethod
    def jvp(ctx, d_gates, dc_prev):
        gates, c = ctx.saved_tensors
        i, f, g, o, tc = ctx.activations
        da_i, da_f, da_g, da_o = _blocks(d_gates, 4)
        dc = da_f * f * (1 - f) * c + f * dc_prev + da_i * i * (1 - i) * g + i * (1 - g * g) * da_g
        dh = da_o * o * (1 - o) * tc + o * (1 - tc * tc) * dc
        return np.concatenate([dh, dc], axis=-1)


def _gru_activations(x_proj, h_proj):
    """(r, z, n, hₙ): the GRU's gates, candidate state and the recurrent part of n."""
    x_r, x_z, x_n = _blocks(x_proj, 3)
    h_r, h_z, h_n = _blocks(h_proj, 3)
    r, z = F.sigmoid(x_r + h_r), F.sigmoid(x_z + h_z)
    return r, z, F.tanh(x_n + r * h_n), h_n


class GRUGates(Function):
    """h' = (1 − z) n + z h from x_proj = x Wᵢₕᵀ + bᵢₕ, h_proj = h Wₕₕᵀ + bₕₕ (r, z, n blocks)"""

    name = "gru_gates"

    @staticmethod
    def forward(ctx, x_proj, h_proj, h):
        r, z, n, _ = _gru_activations(x_proj, h_proj)
        ctx.save_for_backward(x_proj, h_proj, h)
        ctx.activations = (r, z, n)
        return (1 - z) * n + z * h

    @staticmethod
    def backward(ctx, grad):
        x_proj, h_proj, h = ctx.saved_tensors
        if isinstance(grad, Node):
            r, z, n, h_n = _gru_activations(x_proj, h_proj)
        else:
            (r, z, n), h_n = ctx.activations, _blocks(h_proj, 3)[2]
        dp_n = grad * (1 - z) * (1 - n * n)
        dp_r = dp_n * h_n * r * (1 - r)
        dp_z = grad * (h - n) * z * (1 - z)
        return _join([dp_r, dp_z, dp_n]), _join([dp_r, dp_z, dp_n * r]), grad * z

    @staticmethod
    def jvp(ctx, dx_proj, dh_proj, dh):
        x_proj, h_proj, h = ctx.saved_tensors
        r, z, n = ctx.activations
        h_n = _blocks(h_proj, 3)[2]
        dx_r, dx_z, dx_n = _blocks(dx_proj, 3)
        dh_r, dh_z, dh_n = _blocks(dh_proj, 3)
        dr = r * (1 - r) * (dx_r + dh_r)
        dz = z * (1 - z) * (dx_z + dh_z)
        dn = (1 - n * n) * (dx_n + dr * h_n + r * dh_n)
        return (1 - z) * dn + dz * (h - n) + z * dh
