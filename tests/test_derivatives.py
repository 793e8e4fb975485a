"""Every operation's formula text against its own backward, and the generated table of derivatives.

The text a stepper shows and `docs/derivatives.md` lists comes from `Function.formulas`; here
each formula is translated to NumPy, evaluated at random inputs and compared with what the
class's `backward` returns, so the text and the code cannot drift apart.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import derivatives
from micrograd_nb.primitives import activations as act
from micrograd_nb.primitives import cast, clone, linalg, reduce, scalar, select, shape, softmax
from micrograd_nb.primitives import elementwise as ew
from micrograd_nb.primitives.raw import sigmoid as raw_sigmoid
from micrograd_nb.primitives.raw import sum_to_shape as sum_to_shape_raw

RNG = np.random.default_rng(0)


def rand(*dims, low=-2.0, high=2.0, dtype=np.float64):
    return mg.Tensor(RNG.uniform(low, high, dims).astype(dtype), requires_grad=True)


def with_ties():
    x = RNG.uniform(-2, 2, (3, 4))
    x[0, 1] = x[0, 3] = x[0].max() + 1  # a tie for the max in row 0
    x[1, :] = 0.5  # a flat row: std = 0, every element ties
    return mg.Tensor(x, requires_grad=True)


def ties_between():
    a = rand(3, 4)
    b = mg.Tensor(np.where(RNG.random((3, 4)) < 0.4, a.data, RNG.uniform(-2, 2, (3, 4))), True)
    return a, b


POSITIVE = {"low": 0.5, "high": 2.0}

#: operation -> (inputs, options) at which its formulas are checked
CASES = {
    ew.Add: lambda: ((rand(3, 4), rand(3, 4)), {}),
    ew.Sub: lambda: ((rand(3, 4), rand(3, 4)), {}),
    ew.Neg: lambda: ((rand(3, 4),), {}),
    ew.Mul: lambda: ((rand(3, 4), rand(3, 4)), {}),
    ew.Div: lambda: ((rand(3, 4), rand(3, 4, **POSITIVE)), {}),
    ew.PowConst: lambda: ((rand(3, 4, **POSITIVE),), {"exponent": 2.5}),
    ew.Pow: lambda: ((rand(3, 4, **POSITIVE), rand(3, 4)), {}),
    ew.Exp: lambda: ((rand(3, 4),), {}),
    ew.Log: lambda: ((rand(3, 4, **POSITIVE),), {}),
    ew.Sqrt: lambda: ((rand(3, 4, **POSITIVE),), {}),
    ew.Abs: lambda: ((rand(3, 4),), {}),
    ew.Tanh: lambda: ((rand(3, 4),), {}),
    ew.Sigmoid: lambda: ((rand(3, 4),), {}),
    ew.ReLU: lambda: ((rand(3, 4),), {}),
    ew.LeakyReLU: lambda: ((rand(3, 4),), {"negative_slope": 0.1}),
    select.Maximum: lambda: (ties_between(), {}),
    select.Minimum: lambda: (ties_between(), {}),
    select.Where: lambda: ((RNG.random((3, 4)) < 0.5, rand(3, 4), rand(3, 4)), {}),
    select.Clip: lambda: ((rand(3, 4),), {"min": -0.5, "max": 0.5}),
    act.GELU: lambda: ((rand(3, 4),), {}),
    act.ELU: lambda: ((rand(3, 4),), {"alpha": 1.5}),
    act.Softplus: lambda: ((rand(3, 4),), {}),
    scalar.WeightedSum: lambda: (tuple(mg.Value(v) for v in (0.5, -1.5, 2.0, 3.0, 0.25)), {}),
    reduce.Sum: lambda: ((rand(3, 4),), {"axis": 1}),
    reduce.Mean: lambda: ((rand(3, 4),), {"axis": 0, "keepdims": True}),
    reduce.Max: lambda: ((with_ties(),), {"axis": 1}),
    reduce.Min: lambda: ((with_ties(),), {"axis": 1, "keepdims": True}),
    reduce.Var: lambda: ((rand(3, 4),), {"axis": 1, "ddof": 1}),
    reduce.Std: lambda: ((with_ties(),), {"axis": 1}),
    linalg.MatMul: lambda: ((rand(3, 4), rand(4, 2)), {}),
    softmax.LogSoftmax: lambda: ((rand(3, 4),), {"axis": -1}),
    softmax.CrossEntropy: lambda: ((rand(3, 4), np.array([0, 2, 1])), {}),
    shape.SumToShape: lambda: ((rand(3, 4),), {"shape": (1, 4)}),
    shape.BroadcastTo: lambda: ((rand(1, 4),), {"shape": (3, 4)}),
    shape.Reshape: lambda: ((rand(3, 4),), {"shape": (4, 3)}),
    shape.Transpose: lambda: ((rand(2, 3, 4),), {"axes": (2, 0, 1)}),
    shape.SwapAxes: lambda: ((rand(2, 3, 4),), {"axis1": 0, "axis2": 2}),
    shape.GetItem: lambda: ((rand(3, 4),), {"index": (np.array([0, 0, 2]), slice(1, 3))}),
    shape.ScatterAdd: lambda: ((rand(2, 4),), {"index": np.array([2, 0]), "shape": (3, 4)}),
    shape.Squeeze: lambda: ((rand(3, 1, 4),), {"axis": 1}),
    shape.Unsqueeze: lambda: ((rand(3, 4),), {"axis": 1}),
    shape.Concatenate: lambda: ((rand(2, 4), rand(3, 4)), {"axis": 0}),
    shape.Stack: lambda: ((rand(3, 4), rand(3, 4)), {"axis": 1}),
    cast.Cast: lambda: ((rand(3, 4),), {"dtype": np.float32}),
    clone.Clone: lambda: ((rand(3, 4),), {}),
}


# ---- the formulas' notation, read as NumPy ------------------------------------------------------
def to_python(text: str) -> str:
    """A formula as a Python expression (the notation is the one the table's header explains)."""
    for pretty, plain in [
        ("·", "*"), ("½", "0.5"), ("²", "**2"), ("³", "**3"), ("^", "**"), ("≤", "<="),
        ("≠", "!="), ("′", "_prime"), ("ȳ", "g_bar"), ("x̄", "x_bar"), ("π", "pi"),
        ("σ(", "sigmoid("), ("ln(", "log("), ("Σ(", "Sigma("), ("√(", "sqrt("),
    ]:  # fmt: skip
        text = text.replace(pretty, plain)
    text = re.sub(r"√(\w+)", r"sqrt(\1)", text)
    text = re.sub(r"(\w+)ᵀ", r"T(\1)", text)
    return _iverson(text)


def _iverson(text: str) -> str:
    """[condition] -> iverson(condition); x[index] (after a name or bracket) stays indexing."""
    out, stack = [], []
    for i, ch in enumerate(text):
        if ch == "[":
            is_index = i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_)]")
            stack.append(is_index)
            out.append("[" if is_index else "iverson(")
        elif ch == "]":
            out.append("]" if stack.pop() else ")")
        else:
            out.append(ch)
    text = "".join(out)
    # inside a condition "a = b" is a comparison; "lo <= x <= hi" needs & between arrays
    text = re.sub(
        r"iverson\(([^()]*?) <= ([^()]*?) <= ([^()]*?)\)", r"iverson((\1 <= \2) & (\2 <= \3))", text
    )
    return re.sub(r"(?<=[\w)]) = (?=[\w(])", " == ", text)


def evaluate(text: str, namespace: dict):
    """The formula's value; ", where t = f(u), u = ..." definitions first, the last one first."""
    main, _, definitions = text.partition(", where ")
    scope = dict(namespace)
    for definition in reversed(list(filter(None, definitions.split(", ")))):
        name, expr = definition.split(" = ", 1)
        scope[to_python(name.strip())] = eval(to_python(expr), {}, scope)  # noqa: S307
    return eval(to_python(main), {}, scope)  # noqa: S307


def namespace(fn, inputs, options, out, g) -> dict:
    """Names a formula may use: inputs by forward's names, options by keyword, helpers."""
    data = [x.data for x in inputs]
    names = fn.input_names() if not fn.table_inputs else [f"v{i}" for i in range(len(inputs))]
    scope = dict(zip(names, data))
    scope.update(options, out=out, g_bar=g, pi=np.pi)
    scope.update(
        exp=np.exp, log=np.log, sqrt=np.sqrt, tanh=np.tanh, sign=np.sign, sigmoid=raw_sigmoid,
        where=np.where, reshape=np.reshape, transpose=np.transpose, swapaxes=np.swapaxes,
        broadcast_to=np.broadcast_to, argsort=lambda a: tuple(np.argsort(a)), shape=np.shape,
        zeros_like=np.zeros_like, take=np.take, sum_to_shape=sum_to_shape_raw,
        T=lambda a: np.swapaxes(a, -1, -2), astype=lambda a, t: a.astype(t), dtype=np.result_type,
        iverson=lambda c: np.asarray(c, dtype=np.float64),
    )  # fmt: skip

    def add_at(target, index, values):
        target = target.copy()
        np.add.at(target, index, values)
        return target

    scope["add_at"] = add_at
    if fn in (reduce.Sum, reduce.Mean, reduce.Max, reduce.Min, reduce.Var, reduce.Std):
        x = data[0]
        axis = options.get("axis")
        axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis) % x.ndim
        kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
        expand = lambda r: np.broadcast_to(np.reshape(r, kept), x.shape)  # noqa: E731
        count = int(np.prod([x.shape[a] for a in axes]))
        scope.update(expand=expand, n=count, ddof=options.get("ddof", 0))
        scope["x_bar"] = np.mean(x, axis=tuple(axes), keepdims=True)
        hits = (x == expand(scope["out"])).astype(np.float64)
        scope["ties"] = expand(hits.sum(axis=tuple(axes)))
    if fn is softmax.LogSoftmax:
        scope["Sigma"] = lambda a: np.sum(a, axis=options.get("axis", -1), keepdims=True)
    if fn is softmax.CrossEntropy:
        logits, targets = data
        scope["softmax"] = lambda z: np.exp(z - np.logaddexp.reduce(z, axis=1, keepdims=True))
        scope["onehot"] = lambda t: np.eye(logits.shape[1])[t]
        scope["N"] = logits.shape[0]
    if fn is shape.Concatenate:
        bounds = np.cumsum([x.shape[options["axis"]] for x in data])[:-1]
        scope["cut"] = lambda a, axis: np.split(a, bounds, axis=axis)
    return scope


def fitted(node, grad):
    return (
        node._fit_grad(np.asarray(grad, dtype=np.result_type(node.data)))
        if grad is not None
        else None
    )


@pytest.mark.parametrize("fn", list(CASES), ids=lambda fn: fn.__name__)
def test_formula_text_matches_backward(fn):
    inputs, options = CASES[fn]()
    y = fn.apply(*inputs, **options)
    nodes = y._ctx.inputs
    g = RNG.uniform(0.5, 1.5, np.shape(y.data))
    g = float(g) if isinstance(y.data, float) else g.astype(y.data.dtype)
    grads = fn.backward(y._ctx, g)
    grads = grads if isinstance(grads, tuple) else (grads,)
    names = fn.input_names() if not fn.table_inputs else [f"v{i}" for i in range(len(nodes))]
    scope = namespace(fn, nodes, options, y.data, g)
    option_names = {key: key for key in options}
    checked = 0
    for i, node in enumerate(nodes):
        text = fn.formula(i, names, "out", option_names)
        if not node.requires_grad:
            continue
        assert text, f"{fn.__name__}: input {i} has a gradient but no formula"
        value = evaluate(text, scope)
        expected = g * value if fn.formulas_are_partials else value
        tolerance = 2e-2 if np.result_type(node.data) == np.float16 else 1e-10
        np.testing.assert_allclose(
            np.asarray(fitted(node, grads[i]), dtype=np.float64),
            np.asarray(fitted(node, expected), dtype=np.float64),
            rtol=tolerance,
            atol=tolerance,
            err_msg=f"{fn.__name__}, input {i}: formula {text!r} disagrees with backward",
        )
        checked += 1
    assert checked, f"{fn.__name__}: no input was checked"


def test_every_operation_has_a_case_and_a_formula_per_input():
    for fn in derivatives.operations():
        assert fn in CASES, f"{fn.__name__} has no case in this test"
        assert fn.formulas or fn.table_inputs, f"{fn.__name__} has no formulas"


def test_the_committed_table_is_the_generated_one():
    assert derivatives.PAGE.read_text(encoding="utf-8") == derivatives.table(), (
        "docs/derivatives.md is out of date: run `python -m micrograd_nb.derivatives`"
    )


def test_the_table_has_one_line_per_operation_and_input():
    page = derivatives.table()
    assert "| `tanh` (Tanh) | tanh(x) | x | ∂y/∂x = 1 - y² |" in page
    assert "| `@` (MatMul) | a @ b | a | ∂L/∂a = ȳ @ bᵀ |" in page
    lines = [line for line in page.splitlines() if line.startswith("| ") and "---" not in line]
    inputs = sum(len(derivatives.rows(fn)) for fn in derivatives.operations())
    assert len(lines) - 1 == inputs  # minus the header row
