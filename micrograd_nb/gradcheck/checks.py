"""`gradcheck` and `gradgradcheck`: analytical against numerical, with messages that name the input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Node, grad
from .analytical import _analytical_jacobian
from .diagnosis import _dtype_hint, _kink_hints, _one_sided_kink, _shape_hints
from .helpers import (
    GradcheckError,
    _as_tuple,
    _dtype_of,
    _flat_outputs,
    _fmt_index,
    _name_input,
    _outputs_tuple,
    _raw_array,
    _with_data,
    default_eps,
)
from .numerical import numerical_jacobian


# ---- checks ------------------------------------------------------------------------------------
def _compare(
    numerical: np.ndarray, analytical: np.ndarray, atol: float, rtol: float
) -> tuple[bool, tuple]:
    """allclose-style test |a − n| ≤ atol + rtol·|n|; returns (ok, index of the worst element)."""
    bad = ~np.isfinite(analytical) | ~np.isfinite(numerical)
    excess = np.where(
        bad, np.inf, np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
    )
    if excess.size == 0:
        return True, ()
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    return bool(excess[worst] <= 0), tuple(int(w) for w in worst)


def _relative_error(a: float, n: float) -> float:
    """|a − n| / max(|a|, |n|) (0 when both are 0)."""
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0 else abs(a - n) / scale


@dataclass(frozen=True)
class _Check:
    """One gradcheck call: what is checked (fn at inputs, giving outputs) and how strictly."""

    fn: Callable
    inputs: tuple
    outputs: tuple
    eps: float
    atol: float
    rtol: float
    raise_exception: bool


def _fail(
    check: _Check,
    i: int,
    j: int,
    numerical: np.ndarray,
    analytical: np.ndarray,
    worst: tuple,
    note: str = "",
) -> bool:
    """Report the mismatch of d(output j)/d(input i): False, or a `GradcheckError` naming it."""
    fn, inputs, outputs, eps = check.fn, check.inputs, check.outputs, check.eps
    out_shape = tuple(np.shape(outputs[j].data))
    out_index, in_index = worst[: len(out_shape)], worst[len(out_shape) :]
    n, a = float(numerical[worst]), float(analytical[worst])
    rel = _relative_error(a, n)
    hints = _dtype_hint(inputs, outputs)
    kinks = _kink_hints(outputs, eps)
    flat_in = int(np.ravel_multi_index(in_index, np.shape(inputs[i].data))) if in_index else 0
    flat_out = int(np.ravel_multi_index(out_index, out_shape)) if out_index else 0
    if not kinks and _one_sided_kink(fn, inputs, i, j, flat_in, flat_out, eps):
        kinks = [
            "kink: the slopes just left and right of the point differ, so the function is not "
            "differentiable there (relu/abs/max at 0 or at a tie?). Check at another point."
        ]
    hints += kinks + _shape_hints(outputs)
    where = f"output {j}" + (f" index {_fmt_index(out_index)}" if out_shape else "")
    message = [
        f"gradcheck failed: d(output {j})/d({_name_input(i, inputs[i])}) — the numerical and "
        f"analytical gradients differ{note}.",
        f"  worst element: {where}, {_name_input(i, inputs[i])} index {_fmt_index(in_index)}",
        f"  numerical:  {n:.8g}   (central difference, eps={eps:.3g})",
        f"  analytical: {a:.8g}   (backward)",
        f"  relative error |a-n|/max(|a|,|n|) = {rel:.3g} "
        f"(allowed: |a-n| <= atol + rtol*|n| with atol={check.atol:g}, rtol={check.rtol:g})",
    ]
    if numerical.size <= 16:
        message.append(f"  numerical Jacobian:\n{np.array2string(numerical, precision=6)}")
        message.append(f"  analytical Jacobian:\n{np.array2string(analytical, precision=6)}")
    message += [f"  hint: {h}" for h in hints]
    if not check.raise_exception:
        return False
    raise GradcheckError(
        "\n".join(message),
        input_index=i,
        output_index=j,
        index=(out_index, in_index),
        numerical=n,
        analytical=a,
        relative_error=rel,
        hints=hints,
    )


def gradcheck(
    fn: Callable,
    inputs: Any,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    raise_exception: bool = True,
) -> bool:
    """Check backprop against central differences for every output and every input that requires grad.

    Passes when |analytical − numerical| ≤ atol + rtol·|numerical| for every Jacobian element.
    `fast_mode` compares one random projection vᵀJu per (output, input) pair instead of the whole
    Jacobian (2 evaluations instead of 2N) and re-checks element by element only on a mismatch.
    Returns True, or raises `GradcheckError` (returns False when `raise_exception=False`).
    """
    inputs = _as_tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Node) and x.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck: no input requires grad, so there is nothing to check; create inputs with "
            "Tensor(..., requires_grad=True) or Value(...)"
        )
    if eps is None:
        # One ε for all inputs: the largest any of their dtypes needs.
        eps = max(default_eps(_dtype_of(inputs[i])) for i in checked)
    outputs = _outputs_tuple(fn(*inputs))
    for j, out in enumerate(outputs):
        if not isinstance(out, Node):
            raise TypeError(
                f"gradcheck: output {j} of fn is a {type(out).__name__}, not a Value/Tensor; "
                "fn must compute with micrograd_nb operations on its arguments"
            )
    check = _Check(fn, inputs, outputs, eps, atol, rtol, raise_exception)
    if fast_mode:
        return _fast_check(check, checked)
    numerical = numerical_jacobian(fn, inputs, eps)
    for j in range(len(outputs)):
        analytical = _analytical_jacobian(outputs, inputs, j)
        for i in checked:
            ok, worst = _compare(numerical[j][i], analytical[i], atol, rtol)
            if not ok:
                return _fail(check, i, j, numerical[j][i], analytical[i], worst)
    return True


def _fast_check(check: _Check, checked: list[int]) -> bool:
    """vᵀ·J·u against (vᵀf(x+εu) − vᵀf(x−εu))/2ε for random unit-scale u, v (seeded)."""
    fn, inputs, outputs = check.fn, check.inputs, check.outputs
    eps, atol, rtol = check.eps, check.atol, check.rtol
    rng = np.random.default_rng(0)
    diff = [inputs[i] for i in checked]
    for j, out in enumerate(outputs):
        v = rng.standard_normal(np.shape(out.data))
        if out.requires_grad:
            seed = v if np.shape(out.data) else float(v)
            grads = grad(out, diff, grad_outputs=seed, allow_unused=True)
        else:
            grads = [None] * len(diff)
        for i, g in zip(checked, grads):
            x = inputs[i]
            u = rng.standard_normal(np.shape(x.data))
            a = 0.0 if g is None else float(np.sum(np.asarray(_raw_array(g)) * u))
            base = _raw_array(x)
            values = []
            for sign in (1.0, -1.0):
                args = list(inputs)
                args[i] = _with_data(x, (base + sign * eps * u).ravel())
                values.append(float(np.dot(v.ravel(), _flat_outputs(fn(*args))[j])))
            n = (values[0] - values[1]) / (2 * eps)
            if not abs(a - n) <= atol + rtol * abs(n):
                # Locate the worst element with the full Jacobian for a precise message.
                numerical = numerical_jacobian(fn, inputs, eps)[j][i]
                analytical = _analytical_jacobian(outputs, inputs, j)[i]
                ok, worst = _compare(numerical, analytical, atol, rtol)
                if ok:
                    numerical = np.array(n)
                    analytical = np.array(a)
                    worst = ()
                return _fail(
                    check,
                    i,
                    j,
                    numerical,
                    analytical,
                    worst,
                    " (fast mode: random projection vᵀJu)",
                )
    return True


def gradgradcheck(
    fn: Callable,
    inputs: Any,
    grad_outputs: Any = None,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of x ↦ mg.grad(fn(x), x, v, create_graph=True).

    `grad_outputs` v (one per output) defaults to seeded random values that also require grad,
    so the check covers the derivatives of the gradient w.r.t. both the inputs and v.
    """
    inputs = _as_tuple(inputs)
    outputs = _outputs_tuple(fn(*inputs))
    n_in = len(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = []
        for out in outputs:
            v = rng.standard_normal(np.shape(out.data))
            if isinstance(out.data, np.ndarray):
                grad_outputs.append(type(out)(v.astype(_dtype_of(out)), requires_grad=True))
            else:
                grad_outputs.append(type(out)(float(v)))  # a Value
    else:
        grad_outputs = list(_as_tuple(grad_outputs))
    diff_positions = [i for i, x in enumerate(inputs) if isinstance(x, Node) and x.requires_grad]

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        outs = _outputs_tuple(fn(*xs))
        # L = Σ out·v as a graph, so that the gradient depends differentiably on v too.
        total = None
        for out, v in zip(outs, vs):
            term = out * v
            term = term.sum() if isinstance(term.data, np.ndarray) else term
            total = term if total is None else total + term
        grads = grad(total, [xs[i] for i in diff_positions], create_graph=True, allow_unused=True)
        results = []
        for i, g in zip(diff_positions, grads):
            x = xs[i]
            if g is None:
                zero = np.zeros(np.shape(x.data)) if isinstance(x.data, np.ndarray) else 0.0
                g = type(x)._constant(zero, "grad")
            results.append(g)
        return tuple(results)

    return gradcheck(
        first_derivative,
        (*inputs, *grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        fast_mode=fast_mode,
        raise_exception=raise_exception,
    )
