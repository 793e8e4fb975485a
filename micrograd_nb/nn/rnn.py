"""`RNN`, `LSTM`, `GRU`: recurrent layers over whole sequences, with PyTorch's names and layouts.

    rnn = mg.nn.LSTM(input_size=8, hidden_size=32, num_layers=2, batch_first=True)
    output, (h_n, c_n) = rnn(x)          # x (batch, seq, 8) -> output (batch, seq, 32)
    output[:, -1].sum().backward()        # backpropagation through time
    mg.diagnostics.hidden_grad_norms(rnn) # ‖∂L/∂h_t‖ for t = 1..T

The same weights are used at every time step: the loop over time is the only loop, and each
step does one matrix product h Wₕₕᵀ for all gates (the input's product x_t Wᵢₕᵀ too). The
gradient reaching step t has passed T − t times through the recurrent Jacobian, which is why it
vanishes or explodes (a tanh RNN scales it like ρ(Wₕₕ)^(T−t)) and why the LSTM's cell state,
with ∂c_t/∂c_{t−1} = f_t, carries it further.

Every per-step hidden state is a graph node that keeps its `.grad` after backward; the last
forward's states are in `module.hidden_states` (top layer, first step first) and, for an
LSTM, `module.cell_states`; `all_hidden_states[layer]` has every layer's.

Truncated backpropagation through time: carry the state to the next chunk of the sequence
with `detach()`, so backward stops at the chunk boundary:

    state = None
    for chunk in chunks_of_k_steps:
        output, state = lstm(chunk, state)
        loss = loss_fn(output, targets); opt.zero_grad(); loss.backward(); opt.step()
        state = tuple(s.detach() for s in state)        # h.detach() for RNN and GRU
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from ..autograd import topological_order
from ..functional import stack
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter
from .rnn_cells import (
    GATE_COUNT,
    check_mode,
    gru_step,
    lstm_step,
    project_input,
    recurrent_parameters,
    rnn_step,
)

LAYOUTS = {False: "(seq_len, batch, input_size)", True: "(batch, seq_len, input_size)"}


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


class RNNBase(Module):
    """Shared by RNN, LSTM and GRU: parameters per layer, input checks, the loop over time."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=np.float64,
    ):
        super().__init__()
        if bidirectional:
            raise NotImplementedError(
                f"{type(self).__name__}: bidirectional=True is not supported; run a second "
                "layer on the reversed sequence and concatenate the outputs instead"
            )
        if int(num_layers) < 1 or int(hidden_size) < 1:
            raise ValueError(
                f"{type(self).__name__}: num_layers and hidden_size must be at least 1, got "
                f"{num_layers} and {hidden_size}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1), got {dropout}")
        self.mode = check_mode(mode, nonlinearity)
        self.nonlinearity = nonlinearity
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        gates = GATE_COUNT[self.mode]
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.hidden_size
            params = recurrent_parameters(layer_input, self.hidden_size, gates, self.bias, dtype)
            for name, param in params.items():
                self.register_parameter(f"{name}_l{layer}", param)
        self.all_hidden_states: list[list[Tensor]] = []
        self.all_cell_states: list[list[Tensor]] = []

    # ---- the per-step states of the last forward -----------------------------------------------
    @property
    def hidden_states(self) -> list[Tensor]:
        """h_1 … h_T of the top layer in the last forward (each keeps its `.grad`)."""
        return self.all_hidden_states[-1] if self.all_hidden_states else []

    @property
    def cell_states(self) -> list[Tensor]:
        """c_1 … c_T of the top layer in the last forward (LSTM only)."""
        return self.all_cell_states[-1] if self.all_cell_states else []

    def named_steps(self) -> dict[str, Tensor]:
        """{"step t.name": node} for the nodes each step of the last forward computed.

        For pictures grouped by time step: `mg.draw(loss, params=rnn.named_steps())` draws one
        box per step. Nodes computed from the parameters alone (Wᵀ, bᵢₕ + bₕₕ) are in no step.
        """
        named: dict[str, Tensor] = {}
        seen: set[int] = set()
        from_parameters: set[int] = set()  # ids of nodes that depend on parameters only
        for layer, hs in enumerate(self.all_hidden_states):
            cs = self.all_cell_states[layer] if self.all_cell_states else []
            suffix = f" (layer {layer})" if self.num_layers > 1 else ""
            for t, h in enumerate(hs, start=1):
                roots = [h, cs[t - 1]] if cs else [h]
                for node in topological_order(roots, all_nodes=True):
                    if id(node) in seen:
                        continue
                    seen.add(id(node))
                    parents = node.parents
                    if isinstance(node, Parameter) or (
                        parents and all(id(p) in from_parameters for p in parents)
                    ):
                        from_parameters.add(id(node))
                        continue
                    # labels (h₁, x Wᵢₕᵀ, ...) name the layer already where there are several
                    label = node.label or f"{node.op or 'input'}{suffix}"
                    name = f"step {t}.{label}"
                    while name in named:
                        name += "′"
                    named[name] = node
        return named

    # ---- checks ------------------------------------------------------------------------------------
    def _describe(self) -> str:
        return (
            f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size})"
        )

    def _check_input(self, x: Tensor) -> bool:
        """Raise unless x is (seq, batch, features) / (batch, seq, features) or (seq, features)."""
        layout = LAYOUTS[self.batch_first]
        if x.ndim not in (2, 3):
            raise ValueError(
                f"{self._describe()}: expected a 3-D input {layout} (batch_first="
                f"{self.batch_first}) or a 2-D (seq_len, input_size) for one sequence, got "
                f"shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            hint = ""
            others = [axis for axis in range(x.ndim - 1) if x.shape[axis] == self.input_size]
            if others:
                hint = (
                    f"; axis {others[0]} has size {self.input_size}: the features must be the "
                    "last axis (transpose the input)"
                )
            raise ValueError(
                f"{self._describe()}: input of shape {x.shape} has {x.shape[-1]} features in its "
                f"last axis, expected {self.input_size}. The layout is {layout}{hint}"
            )
        return x.ndim == 3

    def _check_state(self, state, what: str, batch: int, batched: bool, dtype) -> Tensor:
        expected = (self.num_layers, batch, self.hidden_size)
        if state is None:
            return Tensor(np.zeros(expected, dtype=dtype))
        state = _as_tensor(state)
        wanted = expected if batched else (self.num_layers, self.hidden_size)
        if state.shape == wanted:
            return state if batched else state.reshape(expected)
        layout = (
            "(num_layers, batch, hidden_size)"
            if batched
            else ("(num_layers, hidden_size) for one unbatched sequence")
        )
        message = f"{self._describe()}: {what} has shape {state.shape}, expected {wanted} {layout}"
        if batched and state.ndim == 3 and state.shape[1] != batch:
            batch_axis, seq_axis = (0, 1) if self.batch_first else (1, 0)
            message += (
                f". The input's batch is axis {batch_axis} (size {batch}) because batch_first="
                f"{self.batch_first}; axis {seq_axis} is time. If your input is "
                f"{LAYOUTS[not self.batch_first]}, pass batch_first={not self.batch_first}"
            )
        raise ValueError(message)

    # ---- forward -------------------------------------------------------------------------------------
    def forward(self, input, hx=None) -> tuple:  # noqa: A002 - PyTorch's name
        """(output, h_n), or (output, (h_n, c_n)) for the LSTM; output holds every step's h."""
        x = _as_tensor(input)
        batched = self._check_input(x)
        if not batched:
            x = x.reshape(x.shape[0], 1, self.input_size)
            time_axis = 0
        else:
            time_axis = 1 if self.batch_first else 0
        steps, batch = x.shape[time_axis], x.shape[1 - time_axis]
        if steps == 0:
            raise ValueError(f"{self._describe()}: the input sequence is empty (seq_len 0)")
        dtype = self.weight_hh_l0.dtype
        is_lstm = self.mode == "LSTM"
        if is_lstm:
            if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(f"{self._describe()}: hx must be a pair (h_0, c_0), or None")
            h0, c0 = hx if hx is not None else (None, None)
            c0 = self._check_state(c0, "c_0", batch, batched, dtype)
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{self._describe()}: hx must be one tensor h_0 (only an LSTM "
                                "takes a pair (h_0, c_0))")  # fmt: skip
            h0 = hx
        h0 = self._check_state(h0, "h_0", batch, batched, dtype)

        inputs = [x[:, t] if time_axis == 1 else x[t] for t in range(steps)]
        self.all_hidden_states, self.all_cell_states = [], []
        last_h, last_c = [], []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout and self.training:
                inputs = [self._drop(step) for step in inputs]
            h_init, c_init = h0[layer], c0[layer] if is_lstm else None
            h_init.label = "h₀" + (f" (layer {layer})" if self.num_layers > 1 else "")
            if is_lstm:
                c_init.label = "c₀" + h_init.label[2:]
            hs, cs = self._run_layer(layer, inputs, h_init, c_init)
            self.all_hidden_states.append(hs)
            last_h.append(hs[-1])
            if is_lstm:
                self.all_cell_states.append(cs)
                last_c.append(cs[-1])
            inputs = hs
        output = stack(inputs, axis=time_axis if batched else 0)
        if not batched:
            output = output.reshape(steps, self.hidden_size)
        h_n = self._final(last_h, batched)
        return (output, (h_n, self._final(last_c, batched))) if is_lstm else (output, h_n)

    def _run_layer(self, layer: int, inputs: list, h: Tensor, c: Tensor | None):
        """The loop over time of one layer: lists of h_t (and c_t), first step first."""
        p = self._parameters
        w_ih_t, w_hh_t = p[f"weight_ih_l{layer}"].T, p[f"weight_hh_l{layer}"].T
        b_ih, b_hh = p.get(f"bias_ih_l{layer}"), p.get(f"bias_hh_l{layer}")
        if b_ih is not None and self.mode != "GRU":
            b_ih, b_hh = (
                b_ih + b_hh,
                None,
            )  # added once, not at every step (the GRU needs b_hh apart)
        hs, cs = [], []
        # Names for pictures (`mg.draw`): h₁, h₂, ... (and c₁, ...), with the layer if several.
        suffix = f" (layer {layer})" if self.num_layers > 1 else ""
        for t, x_t in enumerate(inputs, start=1):
            if layer == 0 and not x_t.label:
                x_t.label = f"x{_subscript(t)}"
            x_proj = project_input(x_t, w_ih_t, b_ih)
            if self.mode == "LSTM":
                h, c = lstm_step(x_proj, h, c, w_hh_t, b_hh)
                c.label = f"c{_subscript(t)}{suffix}"
                cs.append(c)
            elif self.mode == "GRU":
                h = gru_step(x_proj, h, w_hh_t, b_hh)
            else:
                h = rnn_step(x_proj, h, w_hh_t, b_hh, self.nonlinearity)
            h.label = f"h{_subscript(t)}{suffix}"
            hs.append(h)
        return hs, cs

    def _drop(self, x: Tensor) -> Tensor:
        keep = _random.generator().random(x.shape) >= self.dropout
        return x * np.asarray(keep / (1.0 - self.dropout), dtype=x.dtype)

    def _final(self, states: list, batched: bool) -> Tensor:
        final = stack(states, axis=0)
        return final if batched else final.reshape(self.num_layers, self.hidden_size)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity='relu'"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t Wᵢₕᵀ + bᵢₕ + h_{t−1} Wₕₕᵀ + bₕₕ) (or relu), per layer."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", **kwargs):  # fmt: skip
        super().__init__("RNN", input_size, hidden_size, num_layers, nonlinearity, **kwargs)


class LSTM(RNNBase):
    """LSTM: gates i, f, g, o; c_t = f c_{t−1} + i g, h_t = o tanh(c_t). Returns (output, (h_n, c_n))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs):
        super().__init__("LSTM", input_size, hidden_size, num_layers, **kwargs)


class GRU(RNNBase):
    """GRU: gates r, z; n = tanh(xₙ + r (h Wₕₙᵀ + bₕₙ)), h_t = (1 − z) n + z h_{t−1}."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs):
        super().__init__("GRU", input_size, hidden_size, num_layers, **kwargs)
