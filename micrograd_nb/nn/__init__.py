"""Neural-network building blocks (`mg.nn`); `mg.nn.scalar` holds micrograd's Value-based MLP."""

from . import scalar as scalar
