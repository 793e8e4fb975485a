"""Optimizers (`mg.optim`): SGD, Adam, AdamW, RMSprop, with PyTorch's names and semantics."""

from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]
