"""Measure how a gradient flows back through time: the numbers behind `SequenceGradientExplorer`.

One measurement builds a one-layer recurrent net (tanh or relu RNN, LSTM or GRU) with its
recurrent weights Wₕₕ set by the chosen init (each gate's H×H block orthogonal with gain ρ, or
normal with a std), runs a batch of random sequences of length T, takes a loss on the last
output only, L = mean((h_T · v)²) for a fixed random v, and runs one backward pass. Then
‖∂L/∂h_t‖ is read for every t (each hidden state keeps its `.grad`):
the gradient that reaches step t has passed T − t times through the recurrent Jacobian
diag(act′) Wₕₕ, so for a tanh RNN it scales like ρ^(T−t) at most.

The verdict compares step 1 with step T: a ratio below 1e-2 is "vanishing", above 1e2
"exploding", otherwise "healthy"; the per-step factor is the (T−1)-th root of the ratio.
Clipping acts on the parameters' gradient (`clip_grad_norm_`); its effect is reported too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import random as _random
from ..diagnostics import hidden_grad_norms
from ..nn import GRU, LSTM, RNN
from ..nn import init as _init
from ..nn.utils import clip_grad_norm_
from ..tensor import Tensor
from .flow import seeded

#: cell name (as shown) -> (layer class, options)
CELLS = {
    "RNN tanh": (RNN, {"nonlinearity": "tanh"}),
    "RNN relu": (RNN, {"nonlinearity": "relu"}),
    "LSTM": (LSTM, {}),
    "GRU": (GRU, {}),
}
RECURRENT_INITS = ("orthogonal", "normal")
VANISHING, EXPLODING = 1e-2, 1e2


@dataclass
class SequenceConfig:
    """The settings of one measurement (the explorer's controls)."""

    cell: str = "RNN tanh"
    seq_len: int = 50
    init: str = "orthogonal"
    gain: float = 1.0  # ρ: every singular value of each H×H block of Wₕₕ (init "orthogonal")
    std: float = 0.1  # init "normal": Wₕₕ ~ N(0, std²); ρ ≈ std·√H
    forget_bias: float = 0.0  # LSTM: added to the forget gate's bias (1 is the usual choice)
    clip: float | None = None
    hidden_size: int = 32
    input_size: int = 8
    batch_size: int = 16
    seed: int = 0

    def check(self) -> None:
        """Raise ValueError naming the setting that is out of range."""
        if self.cell not in CELLS:
            raise ValueError(f"sequence flow: cell must be one of {list(CELLS)}, got {self.cell!r}")
        if self.init not in RECURRENT_INITS:
            raise ValueError(
                f"sequence flow: init must be one of {RECURRENT_INITS}, got {self.init!r}"
            )
        if self.seq_len < 2 or self.hidden_size < 1 or self.batch_size < 1:
            raise ValueError(
                "sequence flow: seq_len must be >= 2 and hidden_size, batch_size >= 1, got "
                f"{self.seq_len}, {self.hidden_size}, {self.batch_size}"
            )


@dataclass
class SequenceResult:
    """What one measurement found, first time step first."""

    config: SequenceConfig
    hidden_grads: np.ndarray  # ‖∂L/∂h_t‖, t = 1..T
    cell_grads: np.ndarray | None  # ‖∂L/∂c_t‖ for the LSTM
    spectral_radius: float  # ρ(Wₕₕ) of the tanh/relu RNN; of the candidate block for LSTM/GRU
    grad_norm: float  # ‖∂L/∂θ‖ of all parameters before clipping
    clipped_norm: float  # after clipping (the same without clipping)
    loss: float
    ratio: float = 0.0  # ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖
    per_step: float = 0.0  # ratio ** (1 / (T − 1))
    kind: str = ""
    verdict: str = ""
    extra: dict = field(default_factory=dict)


def build_layer(config: SequenceConfig):
    """The recurrent layer with the chosen init of Wₕₕ and forget-gate bias."""
    layer_class, options = CELLS[config.cell]
    layer = layer_class(config.input_size, config.hidden_size, **options)
    hidden = config.hidden_size
    w = layer.weight_hh_l0
    blocks = []
    for _ in range(w.shape[0] // hidden):
        block = Tensor(np.zeros((hidden, hidden)))
        if config.init == "orthogonal":
            _init.orthogonal_(block, gain=config.gain)
        else:
            _init.normal_(block, std=config.std)
        blocks.append(block.data)
    w.data = np.concatenate(blocks).astype(w.dtype)
    if config.cell == "LSTM":  # gate order i, f, g, o: the forget gate is the second block
        bias = layer.bias_hh_l0.data.copy()
        bias[hidden : 2 * hidden] += config.forget_bias
        layer.bias_hh_l0.data = bias
    return layer


def _spectral_radius(layer, config: SequenceConfig) -> float:
    hidden = config.hidden_size
    gate = {"LSTM": 2, "GRU": 2}.get(config.cell, 0)  # the candidate's block (g or n)
    block = layer.weight_hh_l0.data[gate * hidden : (gate + 1) * hidden]
    return float(np.max(np.abs(np.linalg.eigvals(block))))


def measure_sequence_gradients(config: SequenceConfig) -> SequenceResult:
    """Build, run forward and backward once, and read ‖∂L/∂h_t‖ for every step."""
    config.check()
    with seeded(config.seed):
        layer = build_layer(config)
        rng = _random.generator()
        x = Tensor(rng.normal(size=(config.seq_len, config.batch_size, config.input_size)))
        direction = rng.normal(size=(config.hidden_size, 1)) / math.sqrt(config.hidden_size)
    with np.errstate(all="ignore"):  # an exploding relu RNN overflows: that is the lesson
        output, _ = layer(x)
        loss = ((output[-1] @ direction) ** 2).mean()
        loss.backward()
        hidden = hidden_grad_norms(layer)
        cells = hidden_grad_norms(layer.cell_states) if config.cell == "LSTM" else None
        norm = clip_grad_norm_(layer.parameters(), config.clip or math.inf)
    clipped = min(norm, config.clip) if config.clip and math.isfinite(norm) else norm
    result = SequenceResult(config, hidden, cells, _spectral_radius(layer, config), norm,
                            clipped, float(loss.item()))  # fmt: skip
    result.kind, result.verdict = _verdict(result)
    return result


def _fmt(value: float) -> str:
    return f"{value:.2g}" if 1e-2 <= abs(value) < 1e3 else f"{value:.1e}"


def _verdict(r: SequenceResult) -> tuple[str, str]:
    first, last = r.hidden_grads[0], r.hidden_grads[-1]
    steps = len(r.hidden_grads) - 1
    if not np.all(np.isfinite(r.hidden_grads)) or not math.isfinite(r.loss):
        return "exploding", "exploding: the gradient through time overflows to inf/NaN"
    if last == 0:
        return "vanishing", "vanishing: no gradient reaches the last step (it is exactly 0)"
    r.ratio = first / last
    r.per_step = r.ratio ** (1 / steps) if r.ratio > 0 else 0.0
    clip = ""
    if r.config.clip and r.grad_norm > r.config.clip:
        clip = f"; clipping scales ‖∂L/∂θ‖ from {_fmt(r.grad_norm)} to {_fmt(r.clipped_norm)}"
    if r.ratio == 0:
        return "vanishing", f"vanishing: step 1 receives no gradient at all (exactly 0){clip}"
    where = f"step 1 receives {_fmt(r.ratio)}{'×' if r.ratio > 1 else ''} of step {steps + 1}'s"
    text = f"{where} gradient (×{r.per_step:.3g} per step){clip}"
    if r.ratio < VANISHING:
        return "vanishing", "vanishing: " + text
    if r.ratio > EXPLODING:
        return "exploding", "exploding: " + text
    return "healthy", "healthy: " + text
