"""micrograd_nb: see every value and every adjoint of a computation graph, in Jupyter."""

from . import nn
from .autograd import (
    AnomalyError,
    Context,
    Function,
    InplaceModificationError,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    jvp,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from .functional import clip, concatenate, maximum, minimum, split, stack, where
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from . import optim
from . import diagnostics
from . import data, training
from .training import fit
from . import amp, memory, utils
from .memory import graph_memory, memory_stats
from .random import manual_seed
from .tensor import Tensor
from .value import Value
from .viz import draw
from . import widgets

__version__ = "0.1.0"

__all__ = [
    "Context",
    "Function",
    "GradcheckError",
    "InplaceModificationError",
    "Tensor",
    "Value",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "jvp",
    "nn",
    "no_grad",
    "numerical_grad",
    "set_grad_enabled",
    "topological_order",
    "clip",
    "concatenate",
    "maximum",
    "minimum",
    "split",
    "stack",
    "where",
    "optim",
    "amp",
    "memory",
    "utils",
    "graph_memory",
    "memory_stats",
    "manual_seed",
    "diagnostics",
    "AnomalyError",
    "detect_anomaly",
    "data",
    "fit",
    "training",
    "draw",
    "widgets",
]
