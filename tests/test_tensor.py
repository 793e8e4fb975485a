"""The Tensor engine against float64 central differences, the Value engine, and itself.

One catalogue of operation cases (`CASES`); every case draws its shapes with Hypothesis
(broadcasting and size-1 axes included) and is checked four ways:

- gradient (vector-Jacobian product) == `mg.numerical_grad` (float64 central differences);
- forward mode: vᵀ(J·t) from `mg.jvp` == (Jᵀv)·t from `mg.grad`;
- second order: Hessian-vector product from `mg.grad(create_graph=True)` twice == central
  differences of the first gradient;
- float32 in, float32 out: forward data and every gradient.

Input values are drawn well apart (a shuffled grid) so no case sits on a kink (relu at 0,
clip bounds) or a tie (max, maximum), where derivatives are one-sided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import micrograd_nb as mg
from micrograd_nb.nn import functional as F

RTOL, ATOL = 1e-5, 1e-6
EXAMPLES = 6


# ---- input drawing ------------------------------------------------------------------------------
def spread_values(rng: np.random.Generator, shapes: list[tuple], domain: str) -> list[np.ndarray]:
    """Values for all inputs, pairwise ≥ 0.1 apart and ≥ 0.03 from 0 and from ±0.4/0.5/1.

    A shuffled grid 0.05 + 0.13·k (k = -K..K) keeps max/maximum free of ties and relu, abs,
    clip(-0.4, 0.5) away from their kinks; 'positive' shifts it above 0.3 (log, sqrt, ÷).
    """
    sizes = [int(np.prod(s)) for s in shapes]
    total = sum(sizes)
    grid = 0.05 + 0.13 * (np.arange(total) - total // 2)
    if domain == "positive":
        grid = 0.3 + 0.13 * np.arange(total)
    values = rng.permutation(grid) + rng.uniform(-0.005, 0.005, total)
    out, start = [], 0
    for shape, size in zip(shapes, sizes):
        out.append(values[start : start + size].reshape(shape))
        start += size
    return out


shape_st = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
nonscalar_shape_st = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def two_broadcastable(data) -> list[tuple]:
    """Two shapes that broadcast together (size-1 axes and missing leading axes included)."""
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
    )
    return list(shapes.input_shapes)


def draw_axis(data, ndim: int):
    """None, one axis (maybe negative) or a tuple of axes of an ndim-dimensional array."""
    if ndim == 0:
        return None
    options = [st.none(), st.integers(-ndim, ndim - 1)]
    if ndim > 1:
        options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    axis = data.draw(st.one_of(*options))
    return tuple(axis) if isinstance(axis, list) else axis


@dataclass
class Case:
    """fn takes Tensors and returns one Tensor; build draws (input shapes, domain, fn)."""

    name: str
    build: Callable
    second_order: bool = True


def unary(name: str, fn: Callable, domain: str = "any", second_order: bool = True) -> Case:
    def build(data):
        return [data.draw(shape_st)], domain, fn

    return Case(name, build, second_order)


def binary(name: str, fn: Callable, domain: str = "any", second_order: bool = True) -> Case:
    def build(data):
        return two_broadcastable(data), domain, fn

    return Case(name, build, second_order)


def reduction(name: str, method: str, second_order: bool = True, ddof: bool = False) -> Case:
    def build(data):
        shape = data.draw(shape_st)
        axis = draw_axis(data, len(shape))
        keepdims = data.draw(st.booleans())
        kwargs = {"axis": axis, "keepdims": keepdims}
        if ddof:
            axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
            count = int(np.prod([shape[a] for a in axes]))
            kwargs["ddof"] = data.draw(st.integers(0, max(0, min(1, count - 1))))
        return [shape], "any", lambda x: getattr(x, method)(**kwargs)

    return Case(name, build, second_order)


def build_where(data):
    shapes = two_broadcastable(data)
    out_shape = np.broadcast_shapes(*shapes)
    seed = data.draw(st.integers(0, 2**16))
    cond = np.random.default_rng(seed).random(out_shape) < 0.5
    return shapes, "any", lambda a, b: mg.where(cond, a, b)


def build_reshape(data):
    shape = data.draw(nonscalar_shape_st)
    size = int(np.prod(shape))
    target = data.draw(st.sampled_from([(size,), (1, size), (size, 1), (-1,), (1, -1, 1)]))
    return [shape], "any", lambda x: x.reshape(target)


def build_transpose(data):
    shape = data.draw(shape_st)
    perm = data.draw(st.permutations(range(len(shape))))
    return [shape], "any", lambda x: x.transpose(*perm)


def build_squeeze(data):
    shape = data.draw(shape_st)
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = data.draw(st.sampled_from([None, *ones]))
    return [shape], "any", lambda x: x.squeeze(axis)


def build_unsqueeze(data):
    shape = data.draw(shape_st)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return [shape], "any", lambda x: x.unsqueeze(axis)


def build_broadcast_to(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3))
    return [shapes.input_shapes[0]], "any", lambda x: x.broadcast_to(shapes.result_shape)


def build_flatten(data):
    shape = data.draw(shape_st)
    if len(shape) < 2:
        return [shape], "any", lambda x: x.flatten()
    start = data.draw(st.integers(0, len(shape) - 1))
    end = data.draw(st.integers(start, len(shape) - 1))
    return [shape], "any", lambda x: x.flatten(start, end)


def build_concatenate(data):
    shape = data.draw(nonscalar_shape_st)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = []
    for n in lengths:
        s = list(shape)
        s[axis] = n
        shapes.append(tuple(s))
    return shapes, "any", lambda *xs: mg.concatenate(list(xs), axis=axis)


def build_stack(data):
    shape = data.draw(shape_st)
    count = data.draw(st.integers(1, 3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return [shape] * count, "any", lambda *xs: mg.stack(list(xs), axis=axis)


def build_split(data):
    shape = data.draw(nonscalar_shape_st)
    axis = data.draw(st.integers(0, len(shape) - 1))
    cuts = sorted(data.draw(st.lists(st.integers(0, shape[axis]), max_size=2)))
    weights = [1.0, -2.0, 3.0]

    def fn(x):
        # Several outputs: combine them with different weights into one tensor.
        pieces = mg.split(x, cuts, axis=axis)
        return mg.concatenate([p * w for p, w in zip(pieces, weights)], axis=axis)

    return [shape], "any", fn


def build_getitem(data):
    shape = data.draw(nonscalar_shape_st)
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    kind = data.draw(st.sampled_from(["int", "slice", "int_array", "mask", "mixed"]))
    if kind == "int":
        index = int(rng.integers(-shape[0], shape[0]))
    elif kind == "slice":
        index = slice(None, None, -1) if shape[0] > 1 else slice(0, 1)
    elif kind == "int_array":
        index = rng.integers(0, shape[0], size=4)  # repeats accumulate
    elif kind == "mask":
        index = rng.random(shape) < 0.6
    else:
        index = (slice(None),) * (len(shape) - 1) + (np.array([0, 0, shape[-1] - 1]),)
    return [shape], "any", lambda x: x[index]


def build_matmul(data):
    kind = data.draw(st.sampled_from(["1x1", "2x1", "1x2", "2x2", "batched", "batched1d"]))
    m, k, n = (data.draw(st.integers(1, 3)) for _ in range(3))
    batch = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    ba, bb = batch.input_shapes
    shapes = {
        "1x1": [(k,), (k,)],
        "2x1": [(m, k), (k,)],
        "1x2": [(k,), (k, n)],
        "2x2": [(m, k), (k, n)],
        "batched": [(*ba, m, k), (*bb, k, n)],
        "batched1d": [(*ba, m, k), (k,)],
    }[kind]
    return shapes, "any", lambda a, b: a @ b


def build_log_softmax(data):
    shape = data.draw(nonscalar_shape_st)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    return [shape], "any", lambda x: F.log_softmax(x, axis=axis)


def build_softmax(data):
    shape = data.draw(nonscalar_shape_st)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    return [shape], "any", lambda x: F.softmax(x, axis=axis)


def build_cross_entropy(data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    targets = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return [(n, c)], "any", lambda z: F.cross_entropy(z, targets)


def build_loss(fn):
    def build(data):
        shape = data.draw(shape_st)
        return [shape, shape], "any", fn

    return build


CASES = [
    binary("add", lambda a, b: a + b),
    binary("sub", lambda a, b: a - b),
    binary("mul", lambda a, b: a * b),
    binary("div", lambda a, b: a / b, domain="positive"),
    binary("pow", lambda a, b: a**b, domain="positive"),
    binary("maximum", mg.maximum),
    binary("minimum", mg.minimum),
    Case("where", build_where),
    unary("neg", lambda x: -x),
    unary("pow_const", lambda x: x**3),
    unary("rsub_const", lambda x: 2.0 - x * 3.0),
    unary("sqrt", lambda x: x.sqrt(), "positive"),
    unary("exp", lambda x: x.exp()),
    unary("log", lambda x: x.log(), "positive"),
    unary("abs", lambda x: abs(x)),
    unary("tanh", lambda x: x.tanh()),
    unary("sigmoid", lambda x: x.sigmoid()),
    unary("relu", lambda x: x.relu()),
    unary("leaky_relu", lambda x: x.leaky_relu(0.1)),
    unary("gelu", lambda x: x.gelu()),
    unary("elu", lambda x: x.elu(alpha=0.7)),
    unary("softplus", lambda x: x.softplus()),
    unary("clip", lambda x: x.clip(-0.4, 0.5)),
    unary("clip_min_only", lambda x: mg.clip(x, min=0.2)),
    reduction("sum", "sum"),
    reduction("mean", "mean"),
    reduction("max", "max"),
    reduction("min", "min"),
    reduction("var", "var", ddof=True),
    reduction("std", "std", ddof=True),
    Case("reshape", build_reshape),
    Case("transpose", build_transpose),
    unary(".T", lambda x: x.T),
    Case("squeeze", build_squeeze),
    Case("unsqueeze", build_unsqueeze),
    Case("broadcast_to", build_broadcast_to),
    Case("flatten", build_flatten),
    Case("concatenate", build_concatenate),
    Case("stack", build_stack),
    Case("split", build_split),
    Case("getitem", build_getitem),
    Case("matmul", build_matmul),
    Case("log_softmax", build_log_softmax),
    Case("softmax", build_softmax),
    Case("cross_entropy", build_cross_entropy),
    Case("mse_loss", build_loss(F.mse_loss)),
    Case("bce_with_logits", build_loss(F.binary_cross_entropy_with_logits)),
]


def draw_case(case: Case, data, dtype=np.float64):
    """(fn, input Tensors, a random output weight) for one drawn example of a case."""
    shapes, domain, fn = case.build(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    arrays = spread_values(rng, shapes, domain)
    inputs = [mg.Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = fn(*inputs)
    weight = rng.standard_normal(out.shape)
    return fn, inputs, out, weight, rng


def weighted_loss(fn, weight):
    """L(inputs) = Σ fn(inputs) ⊙ weight, a scalar whose gradient is the VJP with `weight`."""
    return lambda *xs: (fn(*xs) * weight).sum()


# ---- the checks ---------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(deadline=None, max_examples=EXAMPLES)
@given(data=st.data())
def test_gradient_matches_central_differences(case, data):
    fn, inputs, out, weight, _ = draw_case(case, data)
    analytic = mg.grad(out, inputs, grad_outputs=weight, allow_unused=True)
    numeric = mg.numerical_grad(fn, inputs, grad_outputs=weight)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else a
        assert a.shape == inputs[i].shape
        np.testing.assert_allclose(a, n, rtol=RTOL, atol=ATOL, err_msg=f"{case.name} input {i}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(deadline=None, max_examples=EXAMPLES)
@given(data=st.data())
def test_jvp_agrees_with_vjp(case, data):
    """vᵀ(J t) == (Jᵀ v)ᵀ t: forward and reverse mode give the same Jacobian."""
    fn, inputs, out, weight, rng = draw_case(case, data)
    tangents = [rng.standard_normal(x.shape) for x in inputs]
    primal_out, tangent_out = mg.jvp(fn, inputs, tangents)
    np.testing.assert_allclose(primal_out.data, out.data, rtol=1e-12)
    assert np.shape(tangent_out) == out.shape
    grads = mg.grad(out, inputs, grad_outputs=weight, allow_unused=True)
    reverse = sum(float(np.sum(g * t)) for g, t in zip(grads, tangents) if g is not None)
    forward = float(np.sum(weight * tangent_out))
    assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-9), case.name


SECOND_ORDER = [c for c in CASES if c.second_order]


@pytest.mark.parametrize("case", SECOND_ORDER, ids=[c.name for c in SECOND_ORDER])
@settings(deadline=None, max_examples=EXAMPLES)
@given(data=st.data())
def test_hessian_vector_product_matches_central_differences(case, data):
    """H·u from grad(grad(L)·u) == central differences of u·grad(L)."""
    fn, inputs, out, weight, rng = draw_case(case, data)
    loss = weighted_loss(fn, weight)
    directions = [rng.standard_normal(x.shape) for x in inputs]

    def directional_grad(*xs):
        grads = mg.grad(loss(*xs), list(xs), create_graph=True, allow_unused=True)
        return sum(((g * u).sum() for g, u in zip(grads, directions) if g is not None), start=0.0)

    first = directional_grad(*inputs)
    if not isinstance(first, mg.Tensor) or not first.requires_grad:
        return  # the gradient does not depend on the inputs: the Hessian is 0 (checked below)
    analytic = mg.grad(first, inputs, allow_unused=True)
    numeric = mg.numerical_grad(directional_grad, inputs)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else a
        np.testing.assert_allclose(a, n, rtol=1e-4, atol=1e-5, err_msg=f"{case.name} input {i}")


def test_hessian_of_linear_ops_is_zero():
    """For ops linear in their input, grad(grad) depends on nothing: H = 0 numerically too."""
    x = mg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (g,) = mg.grad((x.sum(axis=0) * 2.0).sum(), x, create_graph=True)
    assert not g.requires_grad
    np.testing.assert_array_equal(g.data, np.full((2, 3), 2.0))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(deadline=None, max_examples=3)
@given(data=st.data())
def test_float32_stays_float32(case, data):
    fn, inputs, out, weight, _ = draw_case(case, data, dtype=np.float32)
    assert out.dtype == np.float32, case.name
    grads = mg.grad(out, inputs, grad_outputs=weight.astype(np.float32), allow_unused=True)
    for g in grads:
        assert g is None or g.dtype == np.float32, case.name
    (out * weight.astype(np.float32)).sum().backward()
    assert all(x.grad is None or x.grad.dtype == np.float32 for x in inputs)
    # and the float32 gradient is the float64 one to float32 accuracy
    inputs64 = [mg.Tensor(x.data.astype(np.float64), requires_grad=True) for x in inputs]
    grads64 = mg.grad(fn(*inputs64), inputs64, grad_outputs=weight, allow_unused=True)
    for g32, g64 in zip(grads, grads64):
        if g32 is not None:
            np.testing.assert_allclose(g32, g64, rtol=2e-3, atol=2e-4)


# ---- against the Value engine on scalars ---------------------------------------------------------
SCALAR_OPS = {
    "add": (lambda a, b: a + b, "any"),
    "sub": (lambda a, b: a - b, "any"),
    "mul": (lambda a, b: a * b, "any"),
    "div": (lambda a, b: a / b, "positive"),
    "pow": (lambda a, b: a**b, "positive"),
    "pow_const": (lambda a, b: a**2.5 + b**3, "positive"),
    "exp": (lambda a, b: a.exp() * b, "any"),
    "log": (lambda a, b: a.log() + b.log(), "positive"),
    "sqrt": (lambda a, b: (a * b).sqrt(), "positive"),
    "abs": (lambda a, b: abs(a - b), "any"),
    "tanh": (lambda a, b: (a * b).tanh(), "any"),
    "sigmoid": (lambda a, b: (a - b).sigmoid(), "any"),
    "relu": (lambda a, b: a.relu() * b, "any"),
    "leaky_relu": (lambda a, b: (a * b).leaky_relu(0.2), "any"),
    "neg_rsub_rdiv": (lambda a, b: 1.0 - (-a) / (2.0 + b * b), "any"),
}


@pytest.mark.parametrize("name", list(SCALAR_OPS))
@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 2**32 - 1))
def test_tensor_agrees_with_value_on_scalars(name, seed):
    """Same values, gradients and second derivatives from a 0-d Tensor and from Value."""
    fn, domain = SCALAR_OPS[name]
    a, b = (float(v) for v in spread_values(np.random.default_rng(seed), [(), ()], domain))
    va, vb = mg.Value(a), mg.Value(b)
    ta, tb = mg.Tensor(a, requires_grad=True), mg.Tensor(b, requires_grad=True)
    v_out, t_out = fn(va, vb), fn(ta, tb)
    assert t_out.shape == ()
    assert float(t_out.data) == pytest.approx(v_out.data, rel=1e-12, abs=1e-15)
    v_grads = mg.grad(v_out, [va, vb], create_graph=True)
    t_grads = mg.grad(t_out, [ta, tb], create_graph=True)
    for vg, tg in zip(v_grads, t_grads):
        assert float(tg.data) == pytest.approx(vg.data, rel=1e-12, abs=1e-15)
    # second derivatives d²/da² and d²/da db through both engines
    if v_grads[0].requires_grad:
        v_second = mg.grad(v_grads[0], [va, vb], allow_unused=True)
        t_second = mg.grad(t_grads[0], [ta, tb], allow_unused=True)
        for vs, ts in zip(v_second, t_second):
            v = 0.0 if vs is None else vs
            t = 0.0 if ts is None else float(ts)
            assert t == pytest.approx(v, rel=1e-10, abs=1e-12)


def test_a_tensor_takes_attributes_of_a_learners_own_and_its_mixins_add_none():
    t = mg.Tensor([1.0, 2.0], requires_grad=True)
    t.note = "first layer"  # as on a PyTorch tensor
    assert t.note == "first layer"
    for base in mg.Tensor.__mro__[1:-1]:  # every class but Tensor and object declares its slots
        assert "__slots__" in vars(base), base
