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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd import Node, grad, topological_order

__all__ = [
    "GradcheckError",
    "default_eps",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
    "numerical_jacobian",
]


class GradcheckError(RuntimeError):
    """Analytical (backprop) and numerical (finite-difference) gradients disagree.

    Attributes: `input_index`, `output_index`, `index` (the worst element as
    (output index, input index)), `numerical`, `analytical`, `relative_error`, `hints`.
    """

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.input_index = details.get("input_index")
        self.output_index = details.get("output_index")
        self.index = details.get("index")
        self.numerical = details.get("numerical")
        self.analytical = details.get("analytical")
        self.relative_error = details.get("relative_error")
        self.hints = details.get("hints", [])


# ---- helpers -----------------------------------------------------------------------------------
def _dtype_of(x: Any) -> np.dtype:
    data = x.data if isinstance(x, Node) else x
    if isinstance(data, np.ndarray):
        return data.dtype
    return np.result_type(data)


def default_eps(dtype: Any) -> float:
    """ε ≈ cbrt(machine epsilon) of dtype: 6.06e-6 (float64), 4.9e-3 (float32), 0.099 (float16)."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    return float(np.cbrt(np.finfo(dtype).eps))


def _as_tuple(inputs: Any) -> tuple:
    if isinstance(inputs, (Node, np.ndarray, int, float)):
        return (inputs,)
    return tuple(inputs)


def _differentiable(x: Any) -> bool:
    """Nodes count when they require grad; raw floats/arrays always (they are just numbers)."""
    if isinstance(x, Node):
        return bool(x.requires_grad)
    return np.issubdtype(_dtype_of(x), np.floating) or isinstance(x, (int, float))


def _raw_array(x: Any) -> np.ndarray:
    """The data of a node or a number as a float64 array."""
    data = x.data if isinstance(x, Node) else x
    return np.array(data, dtype=np.float64)


def _with_data(x: Any, flat: np.ndarray) -> Any:
    """A fresh input like x (same kind, dtype, requires_grad, label) holding the values `flat`."""
    shape = np.shape(x.data if isinstance(x, Node) else x)
    values = flat.reshape(shape)
    if isinstance(x, Node):
        if x.shape == () and not isinstance(x.data, np.ndarray):  # Value (or a 0-d constant)
            node = type(x)._from_op(float(values), None, x.requires_grad)
        else:
            node = type(x)._from_op(values.astype(_dtype_of(x)), None, x.requires_grad)
        node.label = x.label
        return node
    if isinstance(x, np.ndarray):
        return values.astype(x.dtype)
    return float(values)


def _nudged(x: Any, flat: np.ndarray, k: int, step: float) -> tuple[Any, float]:
    """x with element k moved by `step`, and that element's value as actually stored.

    In float32 x + ε is rounded; dividing by the stored difference instead of 2ε removes that
    rounding from the quotient.
    """
    moved = flat.copy()
    moved[k] += step
    node = _with_data(x, moved)
    return node, float(_raw_array(node).ravel()[k])


def _cast(x: Any, dtype: np.dtype) -> Any:
    """A float Tensor/array input as a copy in `dtype` (others unchanged)."""
    data = x.data if isinstance(x, Node) else x
    if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
        return x
    if not isinstance(x, Node):
        return data.astype(dtype)
    node = type(x)._from_op(data.astype(dtype), None, x.requires_grad)
    node.label = x.label
    return node


def _outputs_tuple(result: Any) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _flat_outputs(result: Any) -> list[np.ndarray]:
    """Each output's data as a flat float64 array (None entries, e.g. unused grads, give [])."""
    flats = []
    for out in _outputs_tuple(result):
        if out is None:
            flats.append(np.zeros(0))
        else:
            flats.append(_raw_array(out).ravel())
    return flats


def _name_input(i: int, x: Any) -> str:
    label = getattr(x, "label", "")
    return f"input {i}" + (f" '{label}'" if label else "")


def _fmt_index(index: tuple) -> str:
    return "()" if index == () else str(tuple(int(i) for i in index))


# ---- numerical ---------------------------------------------------------------------------------
def numerical_jacobian(fn: Callable, inputs: Any, eps: float | None = None) -> list:
    """Central-difference Jacobians: result[j][i] has shape output_j.shape + input_i.shape.

    Inputs that do not require grad get a Jacobian of zeros (they are held constant).
    When fn returns a single output, `result[0]` is that output's list of Jacobians.
    """
    inputs = _as_tuple(inputs)
    outputs = _outputs_tuple(fn(*inputs))
    out_shapes = [
        () if o is None else np.shape(o.data if isinstance(o, Node) else o) for o in outputs
    ]
    jacobians = [
        [np.zeros(shape + np.shape(x.data if isinstance(x, Node) else x)) for x in inputs]
        for shape in out_shapes
    ]
    for i, x in enumerate(inputs):
        if not _differentiable(x):
            continue
        h = default_eps(_dtype_of(x)) if eps is None else float(eps)
        base = _raw_array(x).ravel()
        for k in range(base.size):
            columns, points = [], []
            for sign in (1.0, -1.0):
                args = list(inputs)
                args[i], point = _nudged(x, base, k, sign * h)
                columns.append(_flat_outputs(fn(*args)))
                points.append(point)
            for j, shape in enumerate(out_shapes):
                if columns[0][j].size == 0:
                    continue
                column = (columns[0][j] - columns[1][j]) / (points[0] - points[1])
                jacobians[j][i].reshape(int(np.prod(shape)), base.size)[:, k] = column
    return jacobians


def numerical_grad(
    fn: Callable,
    inputs: Any,
    eps: float | None = None,
    grad_outputs: Any = None,
    dtype: Any = None,
) -> tuple:
    """(L(θ+εeᵢ) − L(θ−εeᵢ)) / 2ε for every element, with L = Σ outputs · grad_outputs.

    The same contract as `mg.grad(fn(*inputs), inputs, grad_outputs)`: one gradient per input,
    shaped like the input (a float for a `Value` or a float input, a float64 ndarray otherwise).
    For a non-scalar output pass `grad_outputs` (an array of the output's shape).
    Differences are formed in float64; each input is perturbed in its own dtype with
    ε = cbrt(machine eps of that dtype) unless `eps` is given. `dtype=np.float64` evaluates fn on
    float64 copies of float Tensor/array inputs instead: an accurate oracle for float32 code.
    """
    inputs = _as_tuple(inputs)
    if dtype is not None:
        inputs = tuple(_cast(x, np.dtype(dtype)) for x in inputs)
    outputs = _outputs_tuple(fn(*inputs))
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Node) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"numerical_grad: fn returned {len(outputs)} outputs but {len(grad_outputs)} "
            "grad_outputs were given; pass one per output"
        )
    weights = []
    for j, (out, g) in enumerate(zip(outputs, grad_outputs)):
        shape = np.shape(out.data if isinstance(out, Node) else out)
        if g is None:
            if int(np.prod(shape)) != 1:
                raise ValueError(
                    f"numerical_grad: output {j} has shape {shape}, not a single number; "
                    "pass grad_outputs (an array of that shape) or reduce it (y.sum())"
                )
            g = np.ones(shape)
        weights.append(np.broadcast_to(_raw_array(g), shape).ravel())

    def loss(*args):
        flats = _flat_outputs(fn(*args))
        return float(sum(np.dot(w, f) for w, f in zip(weights, flats) if f.size))

    result = []
    for i, x in enumerate(inputs):
        base = _raw_array(x)
        if not _differentiable(x):
            result.append(np.zeros_like(base))
            continue
        h = default_eps(_dtype_of(x)) if eps is None else float(eps)
        flat = base.ravel()
        g = np.zeros(flat.size)
        for k in range(flat.size):
            args = list(inputs)
            args[i], x_plus = _nudged(x, flat, k, h)
            f_plus = loss(*args)
            args[i], x_minus = _nudged(x, flat, k, -h)
            f_minus = loss(*args)
            g[k] = (f_plus - f_minus) / (x_plus - x_minus)
        is_scalar_input = not isinstance(x.data if isinstance(x, Node) else x, np.ndarray)
        result.append(float(g[0]) if is_scalar_input else g.reshape(base.shape))
    return tuple(result)


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


# ---- diagnosis ---------------------------------------------------------------------------------
def _graph_nodes(outputs: tuple) -> list:
    roots = [o for o in outputs if isinstance(o, Node)]
    return topological_order(roots, all_nodes=True) if roots else []


def _kink_hints(outputs: tuple, eps: float) -> list[str]:
    """Operations in the graph evaluated within a few ε of their kink (not differentiable there)."""
    hints = []
    for node in _graph_nodes(outputs):
        if node._ctx is None or node._ctx.fn.kinks not in ("zero", "ties"):
            continue
        op = node.op
        x = np.asarray(node.parents[0].data, dtype=np.float64)
        near = 10.0 * eps * (1.0 + np.abs(x))
        if node._ctx.fn.kinks == "zero":
            close = np.abs(x) <= near
            if close.any():
                where = np.argwhere(close)[0] if x.ndim else ()
                hints.append(
                    f"kink: {op} is evaluated at {float(x[tuple(where)]):.3g} (element "
                    f"{_fmt_index(tuple(where))}), within ε of its kink at 0 where it is not "
                    "differentiable; finite differences straddle the kink. Check at points away "
                    "from 0 (e.g. random inputs)."
                )
        else:
            axis = (node._ctx.options if hasattr(node._ctx, "options") else {}).get("axis")
            reducer = np.max if op == "max" else np.min
            extreme = reducer(x, axis=axis, keepdims=True)
            ties = (np.abs(x - extreme) <= near).sum(axis=axis)
            if np.any(np.asarray(ties) > 1):
                hints.append(
                    f"kink: {op} has two or more elements within ε of the {op}imum (a tie); "
                    f"{op} is not differentiable there. Check at points without ties."
                )
    return hints


def _one_sided_kink(
    fn: Callable, inputs: tuple, i: int, j: int, flat_in: int, flat_out: int, h: float
) -> bool:
    """True when the forward and backward one-sided slopes differ a lot (a kink at the point)."""
    x = inputs[i]
    base = _raw_array(x).ravel()
    values = []
    for step in (h, 0.0, -h):
        flat = base.copy()
        flat[flat_in] += step
        args = list(inputs)
        args[i] = _with_data(x, flat)
        values.append(_flat_outputs(fn(*args))[j][flat_out])
    forward = (values[0] - values[1]) / h
    backward = (values[1] - values[2]) / h
    return abs(forward - backward) > 0.1 * (abs(forward) + abs(backward)) + 1e-3


def _dtype_hint(inputs: tuple, outputs: tuple) -> list[str]:
    low = set()
    for x in (*inputs, *outputs):
        if x is None:
            continue
        dtype = _dtype_of(x)
        if dtype in (np.float32, np.float16):
            low.add(str(dtype))
    if not low:
        return []
    return [
        f"precision: the check runs in {'/'.join(sorted(low))}, where finite differences are "
        "only accurate to about 1e-5..1e-3 relative (float16: 1e-1). Check in float64 "
        "(Tensor(x, dtype=np.float64)) or pass a larger eps and a looser atol/rtol."
    ]


def _shape_hints(outputs: tuple) -> list[str]:
    """Backward rules that return a gradient in neither the input's nor the output's shape."""
    hints = []
    for node in _graph_nodes(outputs):
        ctx = node._ctx
        if ctx is None or not isinstance(node.data, np.ndarray):
            continue
        try:
            grads = ctx.fn.backward(ctx, np.ones_like(node.data))
        except Exception:  # noqa: BLE001 - diagnosis only; the real error was reported already
            continue
        grads = grads if isinstance(grads, tuple) else (grads,)
        for k, (parent, g) in enumerate(zip(ctx.inputs, grads)):
            if g is None or not parent.requires_grad:
                continue
            shape = np.shape(g)
            if shape not in (tuple(parent.shape), tuple(node.shape)):
                hints.append(
                    f"shape: the backward of '{node.op}' returns a gradient of shape {shape} for "
                    f"its input {k} of shape {tuple(parent.shape)} (output shape "
                    f"{tuple(node.shape)}); a gradient must have its input's shape."
                )
    return hints


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
