"""micrograd_nb: see every value and every adjoint of a computation graph, in Jupyter."""

from . import nn
from .autograd import (
    Context,
    Function,
    InplaceModificationError,
    enable_grad,
    grad,
    is_grad_enabled,
    jvp,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from .functional import clip, concatenate, maximum, minimum, split, stack, where
from .tensor import Tensor
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "Context",
    "Function",
    "InplaceModificationError",
    "Tensor",
    "Value",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "jvp",
    "nn",
    "no_grad",
    "set_grad_enabled",
    "topological_order",
    "clip",
    "concatenate",
    "maximum",
    "minimum",
    "split",
    "stack",
    "where",
]
