"""Gradient checking: compare backprop's gradients with central finite differences.

The numerical gradient of L at θ along coordinate i is the centred difference

    ∂L/∂θᵢ ≈ (L(θ + ε·eᵢ) − L(θ − ε·eᵢ)) / (2ε)

whose error is O(ε²) (truncation) plus O(machine_eps/ε) (rounding), smallest for ε near the cube
root of the machine epsilon: about 6e-6 for float64, 5e-3 for float32, 0.1 for float16.

Contracts (the same as `mg.grad`, so the two can be compared directly):

- `fn(*inputs)` computes from its arguments and returns one node (`Value`/`Tensor`) or a tuple
  of nodes. Plain floats/ndarrays also work as inputs and results of `numerical_grad`.
- `numerical_grad(fn, inputs, grad_outputs=None)` returns d(Σ outputs · grad_outputs)/d(inputs),
  one entry per input in the input's shape; for a scalar output `grad_outputs` may be omitted.
- `numerical_jacobian(fn, inputs)` returns, for each input, an array of shape
  output.shape + input.shape (one Jacobian per output when fn returns a tuple).
- `gradcheck` checks every (output, input) pair element by element and raises a
  `GradcheckError` naming the input, the output, the worst element and both values.
"""

from __future__ import annotations

from .checks import gradcheck, gradgradcheck
from .helpers import GradcheckError, default_eps
from .numerical import numerical_grad, numerical_jacobian

__all__ = [
    "GradcheckError",
    "default_eps",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "numerical_jacobian",
]
