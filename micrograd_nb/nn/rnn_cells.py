"""Recurrent cells: one time step of a vanilla RNN, an LSTM and a GRU (PyTorch's equations).

The step functions take the input already projected, x_proj = x_t Wᵢₕᵀ + bᵢₕ (the caller may
project every step the same way), and the recurrent weight already transposed, so that each step
does exactly one matrix product, h Wₕₕᵀ, for all of its gates at once:

    RNN   h' = tanh(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ)                   (or relu)
    LSTM  i, f, g, o = σ, σ, tanh, σ of the 4 column blocks of x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ
          c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')                    ∂c'/∂c = f: the highway
    GRU   r, z = σ of the first 2 blocks of x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ
          n = tanh(xₙ Wᵢₙᵀ + bᵢₙ + r ⊙ (h Wₕₙᵀ + bₕₙ)),  h' = (1 − z) ⊙ n + z ⊙ h

The gate nonlinearities of the LSTM and the GRU are single fused primitives
(`micrograd_nb.primitives.recurrent`); `lstm_gates_by_hand` and `gru_gates_by_hand` compose the
same equations from elementary Tensor operations and are the tests' oracle for them.
`RNNCell`, `LSTMCell` and `GRUCell` are the one-step modules, with PyTorch's parameter names.
"""

from __future__ import annotations

import math

import numpy as np

from ..primitives import recurrent as fused
from ..tensor import Tensor
from . import init as _init
from .module import Module
from .parameter import Parameter

#: rows of Wᵢₕ per hidden unit: one block per gate
GATE_COUNT = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _named(node: Tensor, label: str) -> Tensor:
    """The node with a name for pictures (`mg.draw` shows it in the node's box)."""
    node.label = label
    return node


def project_input(x: Tensor, w_ih_t: Tensor, b_ih) -> Tensor:
    """x Wᵢₕᵀ + bᵢₕ: the input's part of every gate, one matrix product"""
    x_proj = _named(x @ w_ih_t, "x Wᵢₕᵀ")
    return x_proj if b_ih is None else _named(x_proj + b_ih, "x Wᵢₕᵀ + b")


# ---- the equations of one step --------------------------------------------------------------
def rnn_step(x_proj: Tensor, h: Tensor, w_hh_t: Tensor, b_hh, nonlinearity: str = "tanh"):
    """h' = tanh(x_proj + h Wₕₕᵀ + bₕₕ) (or relu); ∂h'/∂h = diag(1 − h'²) Wₕₕ for tanh"""
    pre = x_proj + _named(h @ w_hh_t, "h Wₕₕᵀ")
    if b_hh is not None:
        pre = pre + b_hh
    pre.label = "pre-activation"
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def lstm_step(x_proj: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, b_hh):
    """(h', c'): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'), gates i, f, g, o from one product"""
    gates = x_proj + _named(h @ w_hh_t, "h Wₕₕᵀ")
    if b_hh is not None:
        gates = gates + b_hh
    gates.label = "gates i|f|g|o"
    c_next = fused.LSTMCellState.apply(gates, c)
    return fused.LSTMHidden.apply(gates, c_next), c_next


def gru_step(x_proj: Tensor, h: Tensor, w_hh_t: Tensor, b_hh):
    """h' = (1 − z) ⊙ n + z ⊙ h, n = tanh(xₙ + r ⊙ (h Wₕₙᵀ + bₕₙ))"""
    h_proj = _named(h @ w_hh_t, "h Wₕₕᵀ")
    if b_hh is not None:
        h_proj = _named(h_proj + b_hh, "h Wₕₕᵀ + bₕₕ")
    return fused.GRUGates.apply(x_proj, h_proj, h)


def lstm_gates_by_hand(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """The LSTM's gate equations from elementary operations: (h', c') (the fused op's oracle)."""
    size = c.shape[-1]
    i = gates[:, :size].sigmoid()
    f = gates[:, size : 2 * size].sigmoid()
    g = gates[:, 2 * size : 3 * size].tanh()
    o = gates[:, 3 * size :].sigmoid()
    c_next = f * c + i * g
    return o * c_next.tanh(), c_next


def gru_gates_by_hand(x_proj: Tensor, h_proj: Tensor, h: Tensor) -> Tensor:
    """The GRU's gate equations from elementary operations: h' (the fused op's oracle)."""
    size = h.shape[-1]
    r = (x_proj[:, :size] + h_proj[:, :size]).sigmoid()
    z = (x_proj[:, size : 2 * size] + h_proj[:, size : 2 * size]).sigmoid()
    n = (x_proj[:, 2 * size :] + r * h_proj[:, 2 * size :]).tanh()
    return (1.0 - z) * n + z * h


# ---- parameters --------------------------------------------------------------------------------
def recurrent_parameters(
    input_size: int, hidden_size: int, gates: int, bias: bool, dtype
) -> dict[str, Parameter | None]:
    """weight_ih (gates·H, input), weight_hh (gates·H, H), bias_ih, bias_hh from U(−1/√H, 1/√H)."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size else 0.0
    shapes = {
        "weight_ih": (gates * hidden_size, input_size),
        "weight_hh": (gates * hidden_size, hidden_size),
        "bias_ih": (gates * hidden_size,),
        "bias_hh": (gates * hidden_size,),
    }
    params: dict[str, Parameter | None] = {}
    for name, shape in shapes.items():
        if name.startswith("bias") and not bias:
            params[name] = None
            continue
        params[name] = _init.uniform_(Parameter(np.zeros(shape), dtype=dtype), -bound, bound)
    return params


def check_mode(mode: str, nonlinearity: str) -> str:
    """'RNN_TANH' / 'RNN_RELU' / 'LSTM' / 'GRU' from a module's kind and nonlinearity."""
    if mode == "RNN":
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        return f"RNN_{nonlinearity.upper()}"
    return mode


# ---- one-step modules ----------------------------------------------------------------------------
class _CellBase(Module):
    """Shared by the cells: parameters, input checks, batching of a single example."""

    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=np.float64):
        super().__init__()
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        params = recurrent_parameters(
            self.input_size, self.hidden_size, GATE_COUNT[self.mode], self.bias, dtype
        )
        for name, param in params.items():
            self.register_parameter(name, param)

    def _batched_input(self, x) -> tuple[Tensor, bool]:
        x = _as_tensor(x)
        name = type(self).__name__
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}({self.input_size}, {self.hidden_size}): expected an input of shape "
                f"(batch, {self.input_size}) or ({self.input_size},), got {x.shape}. A cell "
                f"takes one time step; for a whole sequence use {name[:-4]}"
            )
        return (x, True) if x.ndim == 2 else (x.reshape(1, self.input_size), False)

    def _state(self, state, batch: int, batched: bool, what: str, dtype) -> Tensor:
        if state is None:
            return Tensor(np.zeros((batch, self.hidden_size), dtype=dtype))
        state = _as_tensor(state)
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if state.shape != expected:
            layout = (
                f"(batch, hidden_size) for an input of batch size {batch}"
                if batched
                else ("(hidden_size,) for one unbatched example")
            )
            raise ValueError(
                f"{type(self).__name__}: {what} has shape {state.shape}, expected {expected} "
                + layout
            )
        return state if batched else state.reshape(1, self.hidden_size)

    def _project(self, x: Tensor) -> Tensor:
        return project_input(x, self.weight_ih.T, self.bias_ih)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


def _unbatch(t: Tensor, batched: bool) -> Tensor:
    return t if batched else t.reshape(t.shape[-1])


class RNNCell(_CellBase):
    """h' = tanh(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ) (or relu): one step of an Elman RNN."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype=np.float64,
    ):
        self.mode = check_mode("RNN", nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None) -> Tensor:  # noqa: A002 - PyTorch's name
        x, batched = self._batched_input(input)
        h = self._state(hx, x.shape[0], batched, "hx", self.weight_hh.dtype)
        out = rnn_step(self._project(x), h, self.weight_hh.T, self.bias_hh, self.nonlinearity)
        return _unbatch(out, batched)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_CellBase):
    """(h', c'): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'); gates i, f, g, o (PyTorch's order)."""

    mode = "LSTM"

    def forward(self, input, hx=None) -> tuple[Tensor, Tensor]:  # noqa: A002
        x, batched = self._batched_input(input)
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError("LSTMCell: hx must be a pair (h, c) of tensors, or None for zeros")
        h0, c0 = hx if hx is not None else (None, None)
        dtype = self.weight_hh.dtype
        h = self._state(h0, x.shape[0], batched, "h", dtype)
        c = self._state(c0, x.shape[0], batched, "c", dtype)
        h, c = lstm_step(self._project(x), h, c, self.weight_hh.T, self.bias_hh)
        return _unbatch(h, batched), _unbatch(c, batched)


class GRUCell(_CellBase):
    """h' = (1 − z) ⊙ n + z ⊙ h, n = tanh(xₙ + r ⊙ (h Wₕₙᵀ + bₕₙ)); gates r, z, n."""

    mode = "GRU"

    def forward(self, input, hx=None) -> Tensor:  # noqa: A002
        x, batched = self._batched_input(input)
        h = self._state(hx, x.shape[0], batched, "hx", self.weight_hh.dtype)
        return _unbatch(gru_step(self._project(x), h, self.weight_hh.T, self.bias_hh), batched)
