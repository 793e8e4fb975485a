"""`mg.nn.functional`: activations and losses as functions of Tensors (PyTorch's `F`).

Each function is one primitive (its derivative in `micrograd_nb.primitives`) or a short,
readable composite of primitives. The losses average over the batch (`reduction="mean"`),
or sum, or return per-element values (`"sum"`, `"none"`), as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Node
from ..primitives import activations as act
from ..primitives import elementwise as ew
from ..primitives import softmax as sm
from ..spelling import torch_names
from ..tensor import Tensor

# ---- activations ------------------------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """max(x, 0); d/dx = 1 for x > 0, else 0"""
    # a node's own method records on the lean path (see Tensor._unary); apply explains the rest
    return x.relu() if isinstance(x, Node) else ew.ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope·x"""
    if isinstance(x, Node):
        return x.leaky_relu(negative_slope)
    return ew.LeakyReLU.apply(x, negative_slope=negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ); d/dx = σ(1 - σ)"""
    return x.sigmoid() if isinstance(x, Node) else ew.Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """tanh(x); d/dx = 1 - tanh²"""
    return x.tanh() if isinstance(x, Node) else ew.Tanh.apply(x)


def gelu(x: Tensor) -> Tensor:
    """½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation (PyTorch approximate="tanh")"""
    return act.GELU.apply(x)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else α(eˣ - 1)"""
    return act.ELU.apply(x, alpha=alpha)


def softplus(x: Tensor) -> Tensor:
    """log(1 + eˣ), stable for any x; d/dx = σ(x)"""
    return act.Softplus.apply(x)


@torch_names(dim="axis")
def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """xᵢ - log Σⱼ eˣʲ along axis (PyTorch: dim=), computed from x - max(x) (finite at ±1000)"""
    return sm.LogSoftmax.apply(x, axis=axis)


@torch_names(dim="axis")
def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """eˣⁱ / Σⱼ eˣʲ along axis (PyTorch: dim=), as exp(log_softmax(x)) so it never overflows"""
    return log_softmax(x, axis=axis).exp()


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a trailing axis of num_classes: 1 at each index, 0 elsewhere (a constant)

    num_classes=-1 takes the largest index + 1, as PyTorch does.
    """
    indices = np.asarray(tensor.data if isinstance(tensor, Node) else tensor)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"one_hot: indices must be integers, got dtype {indices.dtype}")
    if num_classes < 0:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise ValueError(
            f"one_hot: indices must lie in 0..{num_classes - 1}, got {indices.min()}..{indices.max()}"
        )
    return Tensor(np.eye(num_classes, dtype=np.int64)[indices])


# ---- lookup -----------------------------------------------------------------------------------


def embedding(input, weight: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """weight[input]: one row per integer id; the gradient scatter-adds ȳ into the rows used

    A row used at several positions receives the sum of their gradients (`np.add.at`).
    """
    indices = input.data if isinstance(input, Node) else np.asarray(input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(
            f"embedding: indices must be integers (token ids), got dtype {indices.dtype}. "
            "Convert them with .astype(np.int64); a float tensor is not a list of ids"
        )
    if weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must have shape (num_embeddings, embedding_dim), got {weight.shape}"
        )
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = int(indices.min()) if indices.min() < 0 else int(indices.max())
        raise ValueError(
            f"embedding: index {bad} is out of range for a table of {count} rows; ids must be "
            f"in 0..{count - 1} (is num_embeddings the size of the vocabulary?)"
        )
    return weight[indices]


# ---- losses -----------------------------------------------------------------------------------


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_same_shape(op: str, input: Tensor, target) -> None:  # noqa: A002 - PyTorch's name
    target_shape = np.shape(target.data if isinstance(target, Node) else target)
    if input.shape != target_shape:
        raise ValueError(
            f"{op}: input shape {input.shape} and target shape {target_shape} differ; "
            "they must match (reshape the target, e.g. y.reshape(-1, 1))"
        )


def cross_entropy(logits: Tensor, targets) -> Tensor:
    """mean over the batch of -log softmax(logits)[target]; d/dlogits = (p - onehot) / N

    One fused primitive (`CrossEntropy`): logits (N, C), targets N integer class indices.
    """
    targets = targets.data if isinstance(targets, Node) else np.asarray(targets)
    return sm.CrossEntropy.apply(logits, targets)


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:  # noqa: A002
    """mean of (input - target)²; d/dinput = 2(input - target) / n"""
    _check_same_shape("mse_loss", input, target)
    return _reduce((input - target) ** 2, reduction, "mse_loss")


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002 - PyTorch's name
    target,
    reduction: str = "mean",
) -> Tensor:
    """mean of -[y log σ(z) + (1-y) log(1-σ(z))] = softplus(z) - y·z; d/dz = σ(z) - y

    Written with softplus, it stays finite for logits of any size (no log(0)).
    """
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce(softplus(input) - input * target, reduction, "binary_cross_entropy_with_logits")


__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "elu",
    "embedding",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "mse_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]
