"""Analytical Jacobians: the engine's own backward, one output element at a time."""

from __future__ import annotations

import numpy as np

from ..autograd import Node, grad
from .diagnosis import _shape_hints
from .helpers import GradcheckError, _name_input


# ---- analytical --------------------------------------------------------------------------------
def _analytical_jacobian(outputs: tuple, inputs: tuple, j: int) -> list:
    """Backprop Jacobian of output j: one `mg.grad` call per output element (one-hot seeds)."""
    out = outputs[j]
    out_shape = tuple(np.shape(out.data))
    rows = int(np.prod(out_shape))
    diff = [x for x in inputs if isinstance(x, Node) and x.requires_grad]
    jac = [np.zeros(out_shape + tuple(np.shape(x.data))) for x in inputs]
    if not out.requires_grad or not diff:
        return jac  # a constant output: its gradient is zero
    for r in range(rows):
        seed = np.zeros(rows)
        seed[r] = 1.0
        seed = seed.reshape(out_shape) if out_shape else float(seed[0])
        try:
            grads = grad(out, diff, grad_outputs=seed, allow_unused=True)
        except Exception as err:  # a broken backward rule: report it as a failed check
            hints = _shape_hints(outputs)
            raise GradcheckError(
                f"gradcheck: the backward pass of output {j} raised {type(err).__name__}: {err}"
                + "".join(f"\n  hint: {h}" for h in hints),
                output_index=j,
                hints=hints,
            ) from err
        position = 0
        for i, x in enumerate(inputs):
            if not (isinstance(x, Node) and x.requires_grad):
                continue
            g = grads[position]
            position += 1
            if g is None:
                continue
            g = g.data if isinstance(g, Node) else g
            if np.shape(g) != tuple(np.shape(x.data)):
                raise GradcheckError(
                    f"gradcheck: the analytical gradient of output {j} w.r.t. "
                    f"{_name_input(i, x)} has shape {np.shape(g)}, but the input has shape "
                    f"{np.shape(x.data)}.\n  hint: a gradient must have its input's shape; "
                    "sum over broadcast axes or check a transposed product.",
                    input_index=i,
                    output_index=j,
                    hints=["shape"],
                )
            jac[i].reshape(rows, -1)[r] = np.asarray(g, dtype=np.float64).ravel()
    return jac
