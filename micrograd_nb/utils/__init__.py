"""Training utilities (`mg.utils`): gradient checkpointing."""

from .checkpoint import Checkpoint, checkpoint, checkpoint_sequential

__all__ = ["Checkpoint", "checkpoint", "checkpoint_sequential"]
