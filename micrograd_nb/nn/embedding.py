"""`Embedding`: a lookup table of vectors, one row per token id (PyTorch's `nn.Embedding`)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init as _init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """y = weight[indices]: each integer id picks a row; W̄[i] = Σ of ȳ over every position with id i.

    `weight` has shape (num_embeddings, embedding_dim), drawn from N(0, 1) as in PyTorch.
    An input of integer shape S gives an output of shape S + (embedding_dim,).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=np.float64):
        super().__init__()
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        self.weight = Parameter(np.zeros((self.num_embeddings, self.embedding_dim)), dtype=dtype)
        _init.normal_(self.weight)

    def forward(self, indices) -> Tensor:
        return F.embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
