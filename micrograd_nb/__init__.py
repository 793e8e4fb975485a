"""micrograd_nb: see every value and every adjoint of a computation graph, in Jupyter."""

from . import amp, data, diagnostics, memory, nn, optim, training, utils, widgets
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
from .memory import graph_memory, memory_stats
from .random import manual_seed
from .tensor import Tensor
from .training import fit
from .value import Value
from .viz import draw
from .viz.failure import install_error_display

install_error_display()  # in a Jupyter kernel: an operation's error shows its graph

__version__ = "0.1.0"

__all__ = [
    "amp",
    "AnomalyError",
    "clip",
    "concatenate",
    "Context",
    "data",
    "detect_anomaly",
    "diagnostics",
    "draw",
    "enable_grad",
    "fit",
    "Function",
    "grad",
    "gradcheck",
    "GradcheckError",
    "gradgradcheck",
    "graph_memory",
    "InplaceModificationError",
    "is_grad_enabled",
    "jvp",
    "manual_seed",
    "maximum",
    "memory",
    "memory_stats",
    "minimum",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "set_grad_enabled",
    "split",
    "stack",
    "Tensor",
    "topological_order",
    "training",
    "utils",
    "Value",
    "where",
    "widgets",
]
