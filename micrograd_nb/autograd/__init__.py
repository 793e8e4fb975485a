"""The autograd core shared by `Value` and `Tensor`: nodes, functions, backward, grad, jvp."""

from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .context import Context, InplaceModificationError
from .forward import jvp
from .function import Elementwise, Function, Linear
from .grad import grad
from .graph import Node, backpropagate, topological_order
from .mode import (
    enable_grad,
    forward_mode,
    get_autocast_policy,
    is_forward_mode,
    is_grad_enabled,
    no_grad,
    set_autocast_policy,
    set_grad_enabled,
)

__all__ = [
    "AnomalyError",
    "detect_anomaly",
    "is_anomaly_enabled",
    "set_detect_anomaly",
    "Context",
    "Elementwise",
    "Linear",
    "Function",
    "InplaceModificationError",
    "Node",
    "backpropagate",
    "enable_grad",
    "forward_mode",
    "get_autocast_policy",
    "is_forward_mode",
    "set_autocast_policy",
    "grad",
    "is_grad_enabled",
    "jvp",
    "no_grad",
    "set_grad_enabled",
    "topological_order",
]
