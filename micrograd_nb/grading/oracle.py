"""Cases whose right answer is a float64 numerical gradient: the oracle most exercises use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..gradcheck import numerical_grad
from .core import Case


def backward_case(
    f: Callable, inputs: Sequence[Any], grad: Any, where: str, names: Sequence[str]
) -> Case:
    """A case for a backward rule called as `rule(*inputs, grad)`.

    The oracle is dL/d(input) for L = Σ grad ⊙ f(*inputs), by central differences; the
    gradient of each input is stored in `case.data` under its name, e.g. names=("dx", "dW", "db").
    """
    grads = numerical_grad(f, list(inputs), grad_outputs=grad)
    return Case((*inputs, grad), where, data=dict(zip(names, grads)))
