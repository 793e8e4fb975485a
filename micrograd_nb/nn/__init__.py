"""Neural-network building blocks (`mg.nn`); `mg.nn.scalar` holds micrograd's Value-based MLP."""

from . import functional as functional
from . import init as init
from . import scalar as scalar
from . import utils as utils
from .embedding import Embedding
from .layers import (
    ELU,
    GELU,
    SELU,
    BatchNorm1d,
    Dropout,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    ReLU,
    Residual,
    Sequential,
    Sigmoid,
    Tanh,
)
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .mlp import MLP
from .module import Module, RemovableHandle
from .parameter import Parameter
from .rnn import GRU, LSTM, RNN, RNNBase
from .rnn_cells import GRUCell, LSTMCell, RNNCell

__all__ = [
    "ELU",
    "GELU",
    "MLP",
    "SELU",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "GRU",
    "GRUCell",
    "Identity",
    "LayerNorm",
    "LSTM",
    "LSTMCell",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "ReLU",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RemovableHandle",
    "Residual",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
    "scalar",
    "utils",
]
