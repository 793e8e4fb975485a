"""Softmax family, computed from x - max(x) so logits of ±1000 stay finite."""

from __future__ import annotations

import numpy as np

from ..autograd import Function, Node
from . import ops


def log_softmax_raw(x: np.ndarray, axis: int) -> np.ndarray:
    """x - logsumexp(x), shifted by the max so exp never overflows."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """log pᵢ = xᵢ - log Σⱼ e^xⱼ; x̄ = ȳ - pᵢ Σⱼ ȳⱼ"""

    name = "log_softmax"
    formulas = ("ȳ - exp({out})·Σ(ȳ)",)
    autocast = "float32"

    @staticmethod
    def forward(ctx, x, axis=-1):
        out = log_softmax_raw(x, axis)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        axis = ctx.options.get("axis", -1)
        return grad - ops.exp(out) * ops.sum(grad, axis=axis, keepdims=True)

    @staticmethod
    def jvp(ctx, dx):
        (out,) = ctx.saved_tensors
        axis = ctx.options.get("axis", -1)
        return dx - np.sum(np.exp(out) * dx, axis=axis, keepdims=True)


class CrossEntropy(Function):
    """mean over the batch of -log softmax(z)[target]; z̄ = (p - onehot(target)) / N"""

    name = "cross_entropy"
    formulas = ("(softmax({logits}) - onehot({targets}))·ȳ/N", "")
    autocast = "float32"

    @staticmethod
    def forward(ctx, logits, targets):
        if logits.ndim != 2:
            raise ValueError(
                f"cross_entropy: logits must have shape (batch, classes), got {logits.shape}"
            )
        targets = np.asarray(targets)
        if targets.shape != logits.shape[:1] or not np.issubdtype(targets.dtype, np.integer):
            raise ValueError(
                f"cross_entropy: targets must be {logits.shape[0]} integer class indices, "
                f"got shape {targets.shape} and dtype {targets.dtype}"
            )
        if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
            raise ValueError(
                f"cross_entropy: target classes must lie in 0..{logits.shape[1] - 1}, "
                f"got {targets.min()}..{targets.max()}"
            )
        shifted = logits - logits.max(axis=1, keepdims=True)  # exp never overflows
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(targets))
        # only the targets' log-probabilities are needed: log p[t] = shifted[t] - log Σ exp
        log_p_target = shifted[rows, targets] - np.log(total[:, 0])
        ctx.save_for_backward(logits)
        ctx.exp, ctx.total, ctx.targets = exp, total, targets
        return -log_p_target.sum() / len(targets)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        n = logits.shape[0]
        if isinstance(grad, Node):
            # A differentiable backward must rebuild p from the logits node, not reuse raw p.
            probs = ops.exp(LogSoftmax.apply(logits, axis=1))
            return (probs - one_hot_like(probs.data, ctx.targets)) * (grad / n), None
        return _probs_minus_onehot(ctx) * (grad / n), None

    @staticmethod
    def jvp(ctx, dlogits, dtargets):
        n = dlogits.shape[0]
        return np.sum(_probs_minus_onehot(ctx) * dlogits) / n


def one_hot_like(p: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """An array like p with 1 at (row, targets[row]) and 0 elsewhere."""
    onehot = np.zeros_like(p)
    onehot[np.arange(len(targets)), targets] = 1
    return onehot


def _probs_minus_onehot(ctx) -> np.ndarray:
    """softmax(logits) - onehot(targets), from the forward pass's exponentials (a new array)."""
    diff = ctx.exp / ctx.total
    diff[np.arange(len(ctx.targets)), ctx.targets] -= 1
    return diff
