"""Mixed precision (`mg.amp`): float16 matrix products under `autocast`, loss scaling."""

from ..arrays import half  # the float16 kernels (mg.amp.half.is_compiled())
from .autocast import (
    autocast,
    count_underflow,
    get_autocast_dtype,
    is_autocast_enabled,
)
from .grad_scaler import GradScaler

__all__ = [
    "GradScaler",
    "half",
    "autocast",
    "count_underflow",
    "get_autocast_dtype",
    "is_autocast_enabled",
]
