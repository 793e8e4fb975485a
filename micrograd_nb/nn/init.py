"""Weight initialization (`mg.nn.init`), with PyTorch's names and formulas.

Why it matters: every layer multiplies the backward signal by its weights. If the weights are
too small the gradient shrinks layer after layer (vanishing), too large and it grows (exploding).
The schemes below choose the spread so that the variance stays about the same through depth:

    Xavier/Glorot  std = gain * sqrt(2 / (fan_in + fan_out))      sigmoid, tanh
    He/Kaiming     std = gain * sqrt(1 / fan_in), gain = sqrt(2)   ReLU
    LeCun          std = sqrt(1 / fan_in)                          SELU

For a Linear weight of shape (out_features, in_features): fan_in = in_features,
fan_out = out_features. All draws come from `mg.manual_seed`'s generator.
Each function changes the tensor (by assigning new data) and returns it, like PyTorch's `_` names.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .. import random as _random
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps the variance of activations steady through `nonlinearity`."""
    name = nonlinearity.lower()
    if name in ("linear", "identity", "sigmoid", "conv1d", "conv2d"):
        return 1.0
    if name == "tanh":
        return 5.0 / 3.0
    if name in ("relu", "gelu", "elu"):
        return math.sqrt(2.0)
    if name == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if name == "selu":
        return 3.0 / 4.0
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; use one of linear, sigmoid, "
        "tanh, relu, leaky_relu, selu"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out): inputs and outputs per unit; shape[1] and shape[0] for a matrix."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"init: fan in/out need a weight with at least 2 dimensions, got shape {shape}; "
            "initialize biases with zeros_, normal_ or uniform_"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def _assign(tensor: Tensor, values: np.ndarray) -> Tensor:
    # Assign a new array (bumps the version counter) instead of writing into the old one.
    dtype = tensor.dtype if np.issubdtype(tensor.dtype, np.floating) else np.float64
    tensor.data = np.asarray(values, dtype=dtype).reshape(tensor.shape)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    return _assign(tensor, _random.generator().uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std²)."""
    return _assign(tensor, _random.generator().normal(mean, std, size=tensor.shape))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return _assign(tensor, np.zeros(tensor.shape))


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return _assign(tensor, np.ones(tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    return _assign(tensor, np.full(tensor.shape, float(val)))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (std = gain * sqrt(2 / (fan_in + fan_out)))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """U(-b, b) with b = gain * sqrt(3 / fan); for ReLU std = sqrt(2 / fan_in)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """N(0, std²) with std = gain / sqrt(fan); for ReLU (gain √2) std = sqrt(2 / fan_in)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def lecun_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std²) with std = gain * sqrt(1 / fan_in) (the init SELU networks assume)."""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(1.0 / fan_in))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times `gain`: every singular value equals `gain`."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs at least 2 dimensions, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = _random.generator().normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Fix the signs so the result is uniformly distributed over orthogonal matrices.
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _assign(tensor, gain * q)


#: names accepted by `init_by_name` and `MLP(init=...)`
INIT_NAMES = (
    "xavier",
    "xavier_uniform",
    "he",
    "kaiming",
    "he_uniform",
    "kaiming_uniform",
    "lecun",
    "normal",
    "uniform",
    "orthogonal",
    "zeros",
)


def init_by_name(tensor: Tensor, name: str | Callable, **kwargs) -> Tensor:
    """Initialize a weight by scheme name ('xavier', 'he', 'lecun', 'normal', 'orthogonal', ...).

    Keyword arguments go to the scheme: `gain` for xavier/lecun/orthogonal, `std` (and `mean`)
    for normal, `a`/`b` for uniform, `nonlinearity`/`mode`/`a` for he.
    A callable is called as `name(tensor, **kwargs)`.
    """
    if callable(name):
        return name(tensor, **kwargs)
    key = name.lower()
    if key in ("xavier", "glorot", "xavier_normal"):
        return xavier_normal_(tensor, **kwargs)
    if key in ("xavier_uniform", "glorot_uniform"):
        return xavier_uniform_(tensor, **kwargs)
    if key in ("he", "kaiming", "he_normal", "kaiming_normal"):
        kwargs.setdefault("nonlinearity", "relu")
        return kaiming_normal_(tensor, **kwargs)
    if key in ("he_uniform", "kaiming_uniform"):
        kwargs.setdefault("nonlinearity", "relu")
        return kaiming_uniform_(tensor, **kwargs)
    if key in ("lecun", "lecun_normal"):
        return lecun_normal_(tensor, **kwargs)
    if key == "normal":
        return normal_(tensor, **kwargs)
    if key == "uniform":
        return uniform_(tensor, **kwargs)
    if key == "orthogonal":
        return orthogonal_(tensor, **kwargs)
    if key == "zeros":
        return zeros_(tensor)
    raise ValueError(f"init: unknown scheme {name!r}; use one of {', '.join(INIT_NAMES)}")
