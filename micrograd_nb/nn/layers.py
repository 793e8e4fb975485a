"""Layers: Linear, Sequential, activations, normalization, Dropout and Residual.

Every layer is built from Tensor operations, so backward needs no extra code here and each
layer's graph can be drawn and inspected like any other computation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import functional as F
from . import init as _init
from .module import Module
from .parameter import Parameter


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Linear(Module):
    """y = x Wᵀ + b, W of shape (out_features, in_features); W̄ = ȳᵀx, b̄ = Σ_batch ȳ, x̄ = ȳW.

    The default init is PyTorch's: W and b from U(-1/√in_features, 1/√in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=np.float64):
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
        self.weight = Parameter(np.zeros((self.out_features, self.in_features)), dtype=dtype)
        _init.uniform_(self.weight, -bound, bound)
        if bias:
            self.bias = Parameter(np.zeros(self.out_features), dtype=dtype)
            _init.uniform_(self.bias, -bound, bound)
        else:
            self.bias = None

    def forward(self, x) -> Tensor:
        x = _as_tensor(x)
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input of shape {x.shape} has "
                f"{x.shape[-1] if x.ndim else 'no'} features in its last axis, expected "
                f"{self.in_features}"
            )
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Sequential(Module):
    """Modules applied one after the other; sub-modules are named '0', '1', ..."""

    def __init__(self, *modules: Module):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index: int | slice):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


# ---- activations -----------------------------------------------------------------------------
class ReLU(Module):
    """max(x, 0); derivative 1 for x > 0, else 0 (a unit stuck below 0 is 'dead')."""

    def forward(self, x):
        return _as_tensor(x).relu()


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise; a small gradient keeps units alive."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return _as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e⁻ˣ); σ' = σ(1 - σ) ≤ 0.25, the root of vanishing gradients."""

    def forward(self, x):
        return _as_tensor(x).sigmoid()


class Tanh(Module):
    """tanh(x); derivative 1 - tanh² ≤ 1."""

    def forward(self, x):
        return _as_tensor(x).tanh()


class GELU(Module):
    """x Φ(x), the smooth ReLU of transformers (tanh approximation, PyTorch's approximate="tanh")."""

    def forward(self, x):
        return F.gelu(_as_tensor(x))


class ELU(Module):
    """x for x > 0, alpha (eˣ - 1) otherwise."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(_as_tensor(x), alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """scale * elu(x, alpha) with the constants that keep activations at mean 0, variance 1."""

    alpha = 1.6732632423543772
    scale = 1.0507009873554805

    def forward(self, x):
        return F.elu(_as_tensor(x), alpha=self.alpha) * self.scale


class Identity(Module):
    """y = x."""

    def forward(self, x):
        return x


#: activation names accepted by `MLP(activation=...)`
ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "gelu": GELU,
    "elu": ELU,
    "selu": SELU,
    "identity": Identity,
    "linear": Identity,
}


def make_activation(activation: str | type[Module] | Module | None) -> Module:
    """An activation module from a name ('relu', 'tanh', ...), a class or an instance."""
    if activation is None:
        return Identity()
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation()
    key = str(activation).lower()
    if key not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; use one of {', '.join(sorted(ACTIVATIONS))}"
        )
    return ACTIVATIONS[key]()


# ---- normalization, dropout, residual ------------------------------------------------------------
class BatchNorm1d(Module):
    """x̂ = (x - mean_batch) / √(var_batch + eps), y = γ x̂ + β, per feature (input (N, C)).

    In training mode the batch's statistics are used and running averages are updated;
    in eval mode the running averages are used instead.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        dtype=np.float64,
    ):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        if affine:
            self.weight = Parameter(np.ones(num_features), dtype=dtype)
            self.bias = Parameter(np.zeros(num_features), dtype=dtype)
        else:
            self.weight = self.bias = None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))

    def forward(self, x):
        x = _as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}): expected input of shape (batch, "
                f"{self.num_features}), got {x.shape}"
            )
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    "BatchNorm1d: training needs more than one sample per batch to compute a "
                    "variance; use a larger batch or call model.eval()"
                )
            mean = x.mean(axis=0, keepdims=True)
            centered = x - mean
            var = (centered * centered).mean(axis=0, keepdims=True)
            x_hat = centered / (var + self.eps).sqrt()
            # Running averages use the unbiased variance, as in PyTorch.
            m = self.momentum
            batch_var = var.data.reshape(-1) * (n / (n - 1))
            dtype = self.running_mean.dtype
            self.running_mean = ((1 - m) * self.running_mean + m * mean.data.reshape(-1)).astype(
                dtype
            )
            self.running_var = ((1 - m) * self.running_var + m * batch_var).astype(dtype)
        else:
            # Constants in the input's dtype, so a float32 network stays float32 in eval mode.
            mean = self.running_mean.astype(x.dtype, copy=False)
            std = np.sqrt(self.running_var + self.eps).astype(x.dtype, copy=False)
            x_hat = (x - mean) / std
        if self.affine:
            x_hat = x_hat * self.weight + self.bias
        return x_hat

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"
        )


class LayerNorm(Module):
    """x̂ = (x - mean) / √(var + eps) over the last axes, y = γ x̂ + β (per sample, no batch stats)."""

    def __init__(
        self,
        normalized_shape: int | tuple,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        dtype=np.float64,
    ):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape), dtype=dtype)
            self.bias = Parameter(np.zeros(self.normalized_shape), dtype=dtype)
        else:
            self.weight = self.bias = None

    def forward(self, x):
        x = _as_tensor(x)
        k = len(self.normalized_shape)
        if x.shape[-k:] != self.normalized_shape:
            raise ValueError(
                f"LayerNorm{self.normalized_shape}: input of shape {x.shape} does not end in "
                f"{self.normalized_shape}"
            )
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        x_hat = centered / (var + self.eps).sqrt()
        if self.elementwise_affine:
            x_hat = x_hat * self.weight + self.bias
        return x_hat

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class Dropout(Module):
    """Training: zero each element with probability p and scale the rest by 1/(1-p). Eval: y = x."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        x = _as_tensor(x)
        if not self.training or self.p == 0.0:
            return x
        keep = _random.generator().random(x.shape) >= self.p
        # The mask is a constant: the gradient flows only through the kept elements.
        scale = np.asarray(keep / (1.0 - self.p), dtype=x.dtype)
        return x * scale

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Residual(Module):
    """y = x + block(x); ∂y/∂x = ∂block/∂x + I, a highway for the gradient."""

    def __init__(self, block: Module):
        super().__init__()
        self.block = block

    def forward(self, x):
        out = self.block(x)
        if np.shape(out) != np.shape(x):
            raise ValueError(
                f"Residual: the block maps shape {np.shape(x)} to {np.shape(out)}; a skip "
                "connection x + block(x) needs the block to keep the shape"
            )
        return x + out
