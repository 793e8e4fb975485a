"""Neural-network building blocks (`mg.nn`); `mg.nn.scalar` holds micrograd's Value-based MLP."""

from . import functional as functional
from . import scalar as scalar
