"""Every Tensor operation as a top-level function, as PyTorch spells it: `mg.tanh(x)`, `mg.sum(x, dim=0)`.

`mg.NAME(x, ...)` is `x.NAME(...)` (a number or an array `x` becomes a constant Tensor first),
so each function has exactly the method's rule, arguments and both spellings of them.
"""

from __future__ import annotations

from collections.abc import Callable

from .functional import _tensor as _as_tensor
from .functional import concatenate, stack
from .nn.functional import log_softmax, softmax
from .tensor import Tensor


def _method_as_function(name: str) -> Callable:
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):  # noqa: A002 - PyTorch's name
        return getattr(_as_tensor(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"mg.{name}(x, ...) is x.{name}(...): {method.__doc__}"
    return function


# elementwise
exp = _method_as_function("exp")
log = _method_as_function("log")
log10 = _method_as_function("log10")
log2 = _method_as_function("log2")
sqrt = _method_as_function("sqrt")
abs = _method_as_function("abs")
tanh = _method_as_function("tanh")
sigmoid = _method_as_function("sigmoid")
relu = _method_as_function("relu")
clamp = _method_as_function("clamp")

# reductions (dim=/keepdim= or axis=/keepdims=)
sum = _method_as_function("sum")
mean = _method_as_function("mean")
max = _method_as_function("max")
min = _method_as_function("min")
var = _method_as_function("var")
std = _method_as_function("std")
argmax = _method_as_function("argmax")
argmin = _method_as_function("argmin")

# shape
reshape = _method_as_function("reshape")
transpose = _method_as_function("transpose")
permute = _method_as_function("permute")
swapaxes = _method_as_function("swapaxes")
squeeze = _method_as_function("squeeze")
unsqueeze = _method_as_function("unsqueeze")
flatten = _method_as_function("flatten")

# copies and sizes
clone = _method_as_function("clone")
numel = _method_as_function("numel")


def matmul(input, other) -> Tensor:  # noqa: A002 - PyTorch's name
    """input @ other (batched, broadcast); Ā = Ḡ Bᵀ, B̄ = Aᵀ Ḡ"""
    return _as_tensor(input) @ other


cat = concatenate  # PyTorch's name


__all__ = [
    "abs",
    "argmax",
    "argmin",
    "cat",
    "clamp",
    "clone",
    "concatenate",
    "exp",
    "flatten",
    "log",
    "log10",
    "log2",
    "log_softmax",
    "matmul",
    "max",
    "mean",
    "min",
    "numel",
    "permute",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "std",
    "sum",
    "swapaxes",
    "tanh",
    "transpose",
    "unsqueeze",
    "var",
]
