"""The primitive operations: one class per operation, its forward and derivative rule together.

Importing the package fills in `ops.recorded`, the classes the rules' namespace records on
graph nodes (see `ops`), once every primitive module is loaded.
"""

from . import activations, elementwise, linalg, ops, reduce, scalar, select, shape, softmax

ops.recorded.__dict__.update(
    Exp=elementwise.Exp,
    Log=elementwise.Log,
    Tanh=elementwise.Tanh,
    Sigmoid=elementwise.Sigmoid,
    Where=select.Where,
    Sum=reduce.Sum,
    Mean=reduce.Mean,
    Reshape=shape.Reshape,
    BroadcastTo=shape.BroadcastTo,
    SumToShape=shape.SumToShape,
    SwapAxes=shape.SwapAxes,
    ScatterAdd=shape.ScatterAdd,
    GetItem=shape.GetItem,
    MatMul=linalg.MatMul,
)

__all__ = [
    "activations",
    "elementwise",
    "linalg",
    "ops",
    "reduce",
    "scalar",
    "select",
    "shape",
    "softmax",
]
