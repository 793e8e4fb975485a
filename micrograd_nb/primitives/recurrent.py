"""The gate arithmetic of one LSTM or GRU step as fused primitives (one graph node each).

A recurrent step applies a handful of elementwise operations to its gate pre-activations; as
separate Tensor operations that is a dozen graph nodes per step, and their bookkeeping, not the
arithmetic, would dominate a long sequence. Here each block is one node with its backward
written out (the chain rule through the same equations, done by hand once):

    LSTM  i, f, g, o = σ(aᵢ), σ(a_f), tanh(a_g), σ(aₒ)   (the 4 column blocks of a)
          c' = f c + i g          āᵢ = c̄' g i(1 − i), ā_f = c̄' c f(1 − f), ā_g = c̄' i (1 − g²),
                                  c̄ = c̄' f                        (the cell state's highway)
          h' = o tanh(c')         āₒ = h̄' tanh(c') o(1 − o),  c̄' = h̄' o (1 − tanh² c')
    GRU   r, z = σ(xᵣ + hᵣ), σ(x_z + h_z);  n = tanh(xₙ + r hₙ);  h' = (1 − z) n + z h
          n̄ = h̄'(1 − z),  z̄ = h̄'(h − n),  h̄ = h̄' z;  p̄ₙ = n̄(1 − n²)
          x̄ = [r̄ r(1 − r), z̄ z(1 − z), p̄ₙ],  h̄_proj = [same, same, p̄ₙ r]  with r̄ = p̄ₙ hₙ

The LSTM's c' and h' are two nodes, c' a parent of h', so that `c'.grad` is the whole ∂L/∂c'.
`micrograd_nb.nn.rnn_cells` composes the same equations from elementary operations
(`lstm_gates_by_hand`, `gru_gates_by_hand`); the tests hold these rules against that.
Under `create_graph=True` the activations are recomputed from the input nodes, so the backward
is differentiable again.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Node
from . import ops
from . import shape as shape_ops


def _blocks(x, count: int) -> list:
    """`count` equal column blocks of x (the gates stacked along the last axis)."""
    size = x.shape[-1] // count
    return [x[..., k * size : (k + 1) * size] for k in range(count)]


def _join(parts: list):
    """The blocks side by side along the last axis; None stands for a block of zeros."""
    given = next(p for p in parts if p is not None)
    if isinstance(given, Node):
        parts = [given * 0.0 if p is None else p for p in parts]
        return shape_ops.Concatenate.apply(*parts, axis=-1)
    size = given.shape[-1]
    out = np.zeros(given.shape[:-1] + (size * len(parts),), dtype=given.dtype)
    for k, part in enumerate(parts):
        if part is not None:
            out[..., k * size : (k + 1) * size] = part
    return out


def _sigmoid(x):
    """σ(x) = (1 + tanh(x/2)) / 2: stable for any x, and one tanh costs less than exp and log."""
    return ops.sigmoid(x) if isinstance(x, Node) else 0.5 + 0.5 * np.tanh(0.5 * x)


def _cell_gates(gates):
    """(i, f, g): input gate, forget gate and candidate of the LSTM."""
    a_i, a_f, a_g, _ = _blocks(gates, 4)
    return _sigmoid(a_i), _sigmoid(a_f), ops.tanh(a_g)


class LSTMCellState(Function):
    """c' = f c + i g from gate pre-activations a (i, f, g, o blocks); c̄ = c̄' f"""

    name = "lstm_cell_state"

    @staticmethod
    def forward(ctx, gates, c):
        i, f, g = _cell_gates(gates)
        ctx.save_for_backward(gates, c)
        ctx.activations = (i, f, g)
        return f * c + i * g

    @staticmethod
    def backward(ctx, grad):
        gates, c = ctx.saved_tensors
        # A differentiable backward rebuilds the gates from the input nodes.
        i, f, g = _cell_gates(gates) if isinstance(grad, Node) else ctx.activations
        d_gates = _join([grad * g * i * (1 - i), grad * c * f * (1 - f), grad * i * (1 - g * g),
                         None])  # fmt: skip
        return d_gates, grad * f

    @staticmethod
    def jvp(ctx, d_gates, dc):
        gates, c = ctx.saved_tensors
        i, f, g = ctx.activations
        da_i, da_f, da_g, _ = _blocks(d_gates, 4)
        return da_f * f * (1 - f) * c + f * dc + da_i * i * (1 - i) * g + i * (1 - g * g) * da_g


def _output_gate(gates, c_next):
    """(o, tanh c'): the LSTM's output gate and squashed cell state."""
    return _sigmoid(_blocks(gates, 4)[3]), ops.tanh(c_next)


class LSTMHidden(Function):
    """h' = o tanh(c') with o = σ(aₒ), the last block of the gates; c̄' = h̄' o (1 − tanh² c')"""

    name = "lstm_hidden"

    @staticmethod
    def forward(ctx, gates, c_next):
        o, tc = _output_gate(gates, c_next)
        ctx.save_for_backward(gates, c_next)
        ctx.activations = (o, tc)
        return o * tc

    @staticmethod
    def backward(ctx, grad):
        gates, c_next = ctx.saved_tensors
        o, tc = _output_gate(gates, c_next) if isinstance(grad, Node) else ctx.activations
        return _join([None, None, None, grad * tc * o * (1 - o)]), grad * o * (1 - tc * tc)

    @staticmethod
    def jvp(ctx, d_gates, dc_next):
        o, tc = ctx.activations
        return _blocks(d_gates, 4)[3] * o * (1 - o) * tc + o * (1 - tc * tc) * dc_next


def _gru_activations(x_proj, h_proj):
    """(r, z, n, hₙ): the GRU's gates, candidate state and the recurrent part of n."""
    x_r, x_z, x_n = _blocks(x_proj, 3)
    h_r, h_z, h_n = _blocks(h_proj, 3)
    r, z = _sigmoid(x_r + h_r), _sigmoid(x_z + h_z)
    return r, z, ops.tanh(x_n + r * h_n), h_n


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
