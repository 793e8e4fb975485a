"""Losses as modules (`MSELoss`, `CrossEntropyLoss`, `BCEWithLogitsLoss`), over `mg.nn.functional`."""

from __future__ import annotations

from . import functional as F
from .module import Module


class MSELoss(Module):
    """mean of (input - target)²"""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):  # noqa: A002 - PyTorch's name
        return F.mse_loss(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(Module):
    """mean over the batch of -log softmax(logits)[target]; targets are class indices"""

    def forward(self, logits, targets):
        return F.cross_entropy(logits, targets)


class BCEWithLogitsLoss(Module):
    """mean of softplus(z) - y·z = -[y log σ(z) + (1-y) log(1-σ(z))], stable for any logit"""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"
