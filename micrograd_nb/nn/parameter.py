"""`Parameter`: a Tensor that a Module trains (requires_grad=True by default)."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A trainable Tensor: assigned to a Module attribute, it shows up in `parameters()`."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None, label: str = ""):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, label=label)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]
