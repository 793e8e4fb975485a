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
        log_p = log_softmax_raw(logits, axis=1)
        rows = np.arange(len(targets))
        onehot = np.zeros_like(logits)
        onehot[rows, targets] = 1
        ctx.save_for_backward(logits)
        ctx.onehot = onehot
        ctx.probs = np.exp(log_p)
        return -log_p[rows, targets].mean()

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        n = logits.shape[0]
        if isinstance(grad, Node):
            # A differentiable backward must rebuild p from the logits node, not reuse raw p.
            probs = ops.exp(LogSoftmax.apply(logits, axis=1))
        else:
            probs = ctx.probs
        return (probs - ctx.onehot) * (grad / n), None

    @staticmethod
    def jvp(ctx, dlogits, dtargets):
        n = dlogits.shape[0]
        return np.sum((ctx.probs - ctx.onehot) * dlogits) / n
