"""Measure how a gradient flows through a deep MLP: the numbers behind `GradientFlowExplorer`.

One measurement builds `MLP([width] * (depth + 1), ...)` (depth Linear layers of width × width),
sends a batch of standard-normal inputs through it, takes a mean-squared loss against random
targets and runs one backward pass. It records, layer by layer, first layer first:

- `grad_norms`: ‖∂L/∂Wᵢ‖, the weight gradient the optimizer would use;
- `received`: ‖∂L/∂zᵢ‖, the gradient that arrives at layer i's output zᵢ = Wᵢhᵢ₋₁ + bᵢ,
  i.e. what backpropagation hands to the layer (the product of all Jacobians above it);
- `spreads`: the standard deviation of each layer's output activations (forward signal).

The verdict compares what the first layer receives with what the last one receives:
a ratio below 1e-2 is "vanishing", above 1e2 "exploding", otherwise "healthy".
(Weight gradients also contain the layer's *input*, ∂L/∂W = ∂L/∂z · hᵀ, so a shrinking
backward signal can hide behind growing activations; the received gradient cannot.)
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np

from .. import random as _random
from ..diagnostics import layer_grad_norms
from ..nn import MLP
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from ..tensor import Tensor
from .activation_explorer import ACTIVATION_NAMES

INIT_NAMES = ("xavier", "he", "lecun", "normal", "orthogonal")
NORM_NAMES = (None, "batch", "layer")
#: a ratio (first layer / last layer) outside [VANISHING, EXPLODING] gets that name
VANISHING, EXPLODING = 1e-2, 1e2


def _has_amp() -> bool:
    try:
        from ..amp import autocast  # noqa: F401
    except ImportError:
        return False
    return True


#: "float16 mixed" = float32 weights, float16 matrix products under `mg.amp.autocast`
DTYPE_NAMES = ("float32", "float64") + (("float16 mixed",) if _has_amp() else ())


@dataclass
class FlowConfig:
    """The settings of one measurement (the explorer's controls)."""

    depth: int = 10
    width: int = 64
    activation: str = "sigmoid"
    init: str = "xavier"
    std: float = 1.0  # only for init="normal"
    residual: bool = False
    norm: str | None = None  # None, "batch" or "layer"
    clip: float | None = None  # max global gradient norm, or None for no clipping
    dtype: str = "float32"
    seed: int = 0
    batch_size: int = 128

    def check(self) -> None:
        """Raise ValueError naming the setting that is out of range."""
        if self.depth < 1 or self.width < 1 or self.batch_size < 2:
            raise ValueError(
                f"gradient flow: depth, width must be >= 1 and batch_size >= 2, got depth="
                f"{self.depth}, width={self.width}, batch_size={self.batch_size}"
            )
        for name, value, allowed in (
            ("activation", self.activation, ACTIVATION_NAMES),
            ("init", self.init, INIT_NAMES),
            ("norm", self.norm, NORM_NAMES),
            ("dtype", self.dtype, DTYPE_NAMES),
        ):
            if value not in allowed:
                raise ValueError(f"gradient flow: {name}={value!r}; use one of {allowed}")


@dataclass
class FlowResult:
    """Per-layer numbers of one forward + backward pass, first layer first."""

    config: FlowConfig
    grad_norms: np.ndarray  # ‖∂L/∂Wᵢ‖
    received: np.ndarray  # ‖∂L/∂zᵢ‖ at each layer's output
    spreads: np.ndarray  # std of each layer's output
    loss: float
    clipped_from: float | None = None  # global norm before clipping, when clipping acted
    kind: str = ""  # "vanishing", "exploding" or "healthy"
    verdict: str = ""
    model: MLP | None = field(default=None, repr=False)  # the network measured
    inputs: Tensor | None = field(default=None, repr=False)  # its batch x
    targets: Tensor | None = field(default=None, repr=False)  # and the regression targets


def blas_for_small_matrices():
    """One BLAS thread: the explorer's matrices are small, and extra threads only wait on a busy CPU."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up (threadpoolctl comes with scikit-learn)
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


@contextlib.contextmanager
def seeded(seed: int):
    """Draw from a fresh generator seeded with `seed`, then give the learner's generator back."""
    previous = _random.generator()
    _random.manual_seed(seed)
    try:
        yield
    finally:
        _random._generator = previous


def build_mlp(config: FlowConfig, sizes=None) -> MLP:
    """The explorer's network: `depth` Linear layers, hidden width `width` (reproducible by seed)."""
    sizes = sizes if sizes is not None else [config.width] * (config.depth + 1)
    init_kw = {"std": config.std} if config.init == "normal" else {}
    dtype = np.float64 if config.dtype == "float64" else np.float32
    with seeded(config.seed):
        return MLP(
            sizes,
            activation=config.activation,
            init=config.init,
            residual=config.residual,
            norm=config.norm,
            dtype=dtype,
            **init_kw,
        )


def _autocast(config: FlowConfig):
    if config.dtype == "float16 mixed":
        from ..amp import autocast

        return autocast()
    return contextlib.nullcontext()


def fmt(x: float) -> str:
    """A number for a sentence: 0.31, 35, 940, 4e-7, 3.5e4."""
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) < 1e-2 or abs(x) >= 1e4):
        mantissa, exponent = f"{x:.1e}".split("e")
        return f"{mantissa.removesuffix('.0')}e{int(exponent)}"
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.2g}"


def describe(received, loss: float = 0.0, spreads=None) -> tuple[str, str]:
    """(kind, one-line verdict) from the gradient each layer receives, first layer first."""
    received = np.asarray(received, dtype=np.float64)
    spreads = np.asarray(spreads if spreads is not None else [], dtype=np.float64)
    if not np.all(np.isfinite(spreads)):
        bad = int(np.argmax(~np.isfinite(spreads))) + 1
        return "exploding", f"exploding: the activations overflow to inf/NaN from layer {bad} on"
    if not math.isfinite(loss):
        return "exploding", "exploding: the loss overflows to inf/NaN"
    if not np.all(np.isfinite(received)):
        top = int(np.flatnonzero(~np.isfinite(received)).max()) + 1
        return (
            "exploding",
            f"exploding: the gradient overflows to inf/NaN from layer {top} down to layer 1",
        )
    if len(received) == 1:
        return "healthy", "healthy: a single layer, there is no depth to vanish or explode through"
    first, last = float(received[0]), float(received[-1])
    if last == 0.0:
        return "vanishing", "vanishing: no gradient at all reaches the last layer (it is exactly 0)"
    if first == 0.0:
        return "vanishing", "vanishing: layer 1 receives no gradient at all (exactly 0)"
    ratio = first / last
    if ratio < VANISHING:
        return "vanishing", f"vanishing: layer 1 receives {fmt(ratio)} of the last layer's gradient"
    if ratio > EXPLODING:
        return "exploding", f"exploding: layer 1 receives {fmt(ratio)}× the last layer's gradient"
    return "healthy", f"healthy: layer 1 receives {fmt(ratio)} of the last layer's gradient"


def measure_flow(config: FlowConfig | None = None, **settings) -> FlowResult:
    """Build the network, run one batch forward and backward, return per-layer numbers.

    >>> r = measure_flow(depth=10, activation="sigmoid", init="xavier")
    >>> r.kind
    'vanishing'
    """
    config = config if config is not None else FlowConfig(**settings)
    config.check()
    model = build_mlp(config)
    rng = np.random.default_rng(config.seed)
    dtype = np.float64 if config.dtype == "float64" else np.float32
    x = Tensor(rng.standard_normal((config.batch_size, config.width)), dtype=dtype)
    target = Tensor(rng.standard_normal((config.batch_size, config.width)), dtype=dtype)

    linears = model.linear_layers()
    inputs: list[Tensor] = []  # h_{i-1}, the input of each Linear
    outputs: list[Tensor] = []  # z_i of each Linear; they keep .grad after backward

    def record(module, args, z):
        inputs.append(args[0])
        outputs.append(z)

    handles = [m.register_forward_hook(record) for m in linears]
    with blas_for_small_matrices(), np.errstate(all="ignore"):
        with _autocast(config):
            y = model(x)
            loss = F.mse_loss(y, target)
        for handle in handles:
            handle.remove()
        # Layer i's activations are what it hands on: the next Linear's input (or the output).
        spreads = [_spread(h) for h in inputs[1:]] + [_spread(y)]
        loss.backward()
        received = np.array(
            [np.nan if z.grad is None else _norm(z.grad) for z in outputs], dtype=np.float64
        )
        clipped_from = None
        if config.clip is not None:
            total = clip_grad_norm_(model.parameters(), config.clip)
            clipped_from = total if total > config.clip else None
        grad_norms = np.array(list(layer_grad_norms(model).values()), dtype=np.float64)
    loss_value = float(loss.data)
    kind, verdict = describe(received, loss_value, spreads)
    if config.dtype == "float16 mixed" and kind == "vanishing" and received[0] == 0.0:
        verdict += " (float16 flushed it to zero: it is below float16's smallest number, 6e-8)"
    if clipped_from is not None:
        verdict += f"; clipped: global norm {fmt(clipped_from)} → {fmt(config.clip)}"
    return FlowResult(
        config=config,
        grad_norms=grad_norms,
        received=received,
        spreads=np.array(spreads),
        loss=loss_value,
        clipped_from=clipped_from,
        kind=kind,
        verdict=verdict,
        model=model,
        inputs=x,
        targets=target,
    )


def _spread(h: Tensor) -> float:
    """std of a layer's activations, or inf once they overflowed."""
    data = np.asarray(h.data, dtype=np.float64)
    return float(np.std(data)) if np.all(np.isfinite(data)) else math.inf


def _norm(array) -> float:
    return float(np.sqrt(np.sum(np.square(np.asarray(array, dtype=np.float64)))))
