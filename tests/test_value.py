"""The scalar `Value` engine against hand-derived numbers and float64 central differences."""

from __future__ import annotations

import gc
import math
import random
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_nb as mg
from micrograd_nb.autograd import topological_order
from micrograd_nb.nn.scalar import MLP, Neuron
from micrograd_nb.primitives.scalar import WeightedSum

EPS = 1e-6


def central_difference(f, xs: list[float], i: int, eps: float = EPS) -> float:
    """(f(x + eps e_i) - f(x - eps e_i)) / 2eps on plain floats."""
    up = list(xs)
    down = list(xs)
    up[i] += eps
    down[i] -= eps
    return (f(*up) - f(*down)) / (2 * eps)


def assert_close(analytical: float, numerical: float, tol: float = 1e-5) -> None:
    scale = max(1.0, abs(analytical), abs(numerical))
    assert abs(analytical - numerical) <= tol * scale, (analytical, numerical)


# ---- the course's worked example (CURRICULUM §2) -------------------------------------------
def test_worked_example_values_and_adjoints():
    x, y, w = mg.Value(2.0, label="x"), mg.Value(3.0, label="y"), mg.Value(4.0, label="w")
    s = x + y
    z = s * w
    L = z**2
    assert (s.data, z.data, L.data) == (5.0, 20.0, 400.0)
    L.backward()
    assert L.grad == 1.0
    assert z.grad == 40.0
    assert w.grad == 200.0
    assert s.grad == 160.0
    assert x.grad == 160.0 and y.grad == 160.0


def test_node_reuse_adds_contributions():
    a = mg.Value(-4.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_gradients_accumulate_until_zeroed():
    x = mg.Value(3.0)
    (x * x).backward()
    (x * x).backward()
    assert x.grad == 12.0
    x.zero_grad()
    assert x.grad == 0.0


def test_micrograd_readme_example():
    # The expression from micrograd's README, with its published results.
    a = mg.Value(-4.0)
    b = mg.Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


# ---- every primitive against central differences --------------------------------------------
UNARY = {
    "exp": (lambda v: v.exp(), math.exp, (-5.0, 5.0)),
    "log": (lambda v: v.log(), math.log, (0.1, 10.0)),
    "sqrt": (lambda v: v.sqrt(), math.sqrt, (0.1, 10.0)),
    "tanh": (lambda v: v.tanh(), math.tanh, (-4.0, 4.0)),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), (-6.0, 6.0)),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0), (-3.0, 3.0)),
    "leaky_relu": (lambda v: v.leaky_relu(0.1), lambda x: x if x > 0 else 0.1 * x, (-3.0, 3.0)),
    "abs": (lambda v: abs(v), abs, (-3.0, 3.0)),
    "neg": (lambda v: -v, lambda x: -x, (-3.0, 3.0)),
    "pow3": (lambda v: v**3, lambda x: x**3, (-3.0, 3.0)),
    "pow_half": (lambda v: v**0.5, lambda x: x**0.5, (0.1, 5.0)),
    "rpow": (lambda v: 2.0**v, lambda x: 2.0**x, (-3.0, 3.0)),
    "rdiv": (lambda v: 1.0 / v, lambda x: 1.0 / x, (0.2, 5.0)),
}
KINKED = {"relu", "leaky_relu", "abs"}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(deadline=None, max_examples=25)
@given(u=st.floats(0.0, 1.0))
def test_unary_gradient_matches_central_difference(name, u):
    op, reference, (lo, hi) = UNARY[name]
    x0 = lo + (hi - lo) * u
    if name in KINKED and abs(x0) < 1e-3:
        x0 = 0.5
    x = mg.Value(x0)
    y = op(x)
    assert y.data == pytest.approx(reference(x0), rel=1e-12, abs=1e-12)
    y.backward()
    assert_close(x.grad, central_difference(reference, [x0], 0))


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(deadline=None, max_examples=25)
@given(a0=st.floats(0.3, 3.0), b0=st.floats(0.3, 3.0))
def test_binary_gradient_matches_central_difference(name, a0, b0):
    op, reference = BINARY[name]
    a, b = mg.Value(a0), mg.Value(b0)
    op(a, b).backward()
    assert_close(a.grad, central_difference(reference, [a0, b0], 0))
    assert_close(b.grad, central_difference(reference, [a0, b0], 1))


def _tanh(v):
    return v.tanh() if isinstance(v, mg.Value) else math.tanh(v)


def _sigmoid(v):
    return v.sigmoid() if isinstance(v, mg.Value) else 1 / (1 + math.exp(-v))


def _exp(v):
    return v.exp() if isinstance(v, mg.Value) else math.exp(v)


# A random program: each step combines two earlier results with a smooth operation.
# It runs on Values (the engine) and on floats (the oracle's function).
STEPS = [
    ("add", lambda a, b: a + b),
    ("mul", lambda a, b: a * b),
    ("sub", lambda a, b: a - b),
    ("tanh_sum", lambda a, b: _tanh(a + b)),
    ("sigmoid_mul", lambda a, b: _sigmoid(a * b)),
    ("exp_scaled", lambda a, b: _exp(0.3 * a - 0.2 * b)),
    ("div_soft", lambda a, b: a / (1 + b * b)),
    ("square", lambda a, b: a * a + b),
]
programs = st.lists(
    st.tuples(st.integers(0, len(STEPS) - 1), st.integers(0, 100), st.integers(0, 100)),
    min_size=1,
    max_size=12,
)


def run_program(program, inputs):
    """Evaluate a program on Values or floats; each step reads two earlier results."""
    results = list(inputs)
    for op_index, i, j in program:
        a, b = results[i % len(results)], results[j % len(results)]
        results.append(STEPS[op_index][1](a, b))
    return results[-1]


@settings(deadline=None, max_examples=60)
@given(program=programs, xs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_random_compositions_match_central_differences(program, xs):
    values = [mg.Value(x) for x in xs]
    out = run_program(program, values)
    if not isinstance(out, mg.Value) or not out.requires_grad:
        return
    out.backward()
    for i, v in enumerate(values):
        numerical = central_difference(lambda *a: run_program(program, a), xs, i)
        assert_close(v.grad, numerical, tol=1e-4)


@settings(deadline=None, max_examples=60)
@given(program=programs, xs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_backward_on_values_equals_the_general_pass_bit_for_bit(program, xs):
    # .backward() runs Value's own lean pass; mg.grad runs the engine's general one: the same
    # order and the same sums, so every gradient must be the same float
    values = [mg.Value(x) for x in xs]
    out = run_program(program, values)
    if not isinstance(out, mg.Value) or not out.requires_grad:
        return
    nodes = topological_order([out])  # the inputs and every intermediate result
    general = mg.grad(out, nodes, allow_unused=True)
    out.backward()
    for v, g in zip(nodes, general):
        assert v.grad == (0.0 if g is None else g)


def test_a_result_kept_from_long_before_gets_the_same_gradients_as_in_the_general_pass():
    # `old` is made 50,000 operations before the rest of the graph: backward schedules it
    # apart from the recent nodes, and must still run it after every node that uses it
    a, b = mg.Value(0.5), mg.Value(-1.5)
    old = (a * b).tanh()
    unrelated = mg.Value(1.0)
    for _ in range(50_000):
        unrelated = unrelated * 1.0
    x = mg.Value(2.0)
    y = old * x + (old + a).sigmoid() * (x - old)
    nodes = topological_order([y])
    general = mg.grad(y, nodes)
    y.backward()
    assert [n.grad for n in nodes] == list(general)
    assert all(n._pending is None for n in nodes)


@pytest.mark.parametrize("seed", range(6))
def test_gaps_between_the_steps_of_a_graph_do_not_change_its_gradients(seed):
    # Unrelated operations between the steps put the graph's nodes far apart in creation
    # order; some then wait in backward's heap, some in its list, and they must still run
    # newest first and give the general pass's floats
    rng = random.Random(seed)
    inputs = [mg.Value(rng.uniform(-1.5, 1.5)) for _ in range(3)]
    results = list(inputs)
    for _ in range(14):
        unrelated = mg.Value(1.0)
        for _ in range(rng.choice([0, 0, 5, 3_000, 9_000, 25_000])):
            unrelated = unrelated * 1.0
        a, b = rng.choice(results), rng.choice(results)
        results.append(STEPS[rng.randrange(len(STEPS))][1](a, b))
    out = results[-1]
    nodes = topological_order([out])
    general = mg.grad(out, nodes, allow_unused=True)
    out.backward()
    assert [n.grad for n in nodes] == [0.0 if g is None else g for g in general]


def test_a_node_waiting_in_the_heap_runs_before_an_older_node_in_the_list():
    # Backward meets f early, when its list of recent nodes is still short: f waits in the
    # heap. A chain c1..c5 then stretches the list past f, up to n, f's input. f must still
    # run before n, or n would miss f's contribution (n.grad and x.grad would be wrong).
    def unrelated(count):
        u = mg.Value(1.0)
        for _ in range(count):
            u = u * 1.0

    x = mg.Value(0.7)
    n = x.tanh()
    unrelated(2_000)
    c1 = n * 1.1
    unrelated(28_000)
    f = n * 2.0
    unrelated(8_000)
    c2 = c1 * 1.2
    unrelated(18_000)
    c3 = c2 * 1.3
    unrelated(9_000)
    c4 = c3 * 1.4
    unrelated(5_000)
    out = f * 3.0 + c4 * 1.5
    nodes = topological_order([out])
    general = mg.grad(out, nodes)
    out.backward()
    assert [v.grad for v in nodes] == list(general)
    sech2 = 1 - math.tanh(0.7) ** 2
    assert x.grad == pytest.approx((6.0 + 1.1 * 1.2 * 1.3 * 1.4 * 1.5) * sech2, rel=1e-14)


def test_backward_from_a_leaf_gives_it_gradient_one():
    x = mg.Value(3.0)
    x.backward()
    assert x.grad == 1.0 and x._pending is None


@settings(deadline=None, max_examples=40)
@given(
    program=programs,
    xs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
    direction=st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3),
)
def test_jvp_agrees_with_reverse_mode(program, xs, direction):
    values = [mg.Value(x) for x in xs]
    out, tangent = mg.jvp(lambda *v: run_program(program, v), values, direction)
    reverse = [mg.Value(x) for x in xs]
    out_r = run_program(program, reverse)
    out_r.backward()
    assert out.data == pytest.approx(out_r.data, rel=1e-12, abs=1e-12)
    expected = sum(v.grad * d for v, d in zip(reverse, direction))
    assert_close(tangent, expected, tol=1e-9)


# ---- higher order ---------------------------------------------------------------------------
def test_second_derivative_of_cube_is_12_at_2():
    x = mg.Value(2.0)
    (dx,) = mg.grad(x**3, x, create_graph=True)
    assert dx.data == 12.0
    (d2x,) = mg.grad(dx, x, create_graph=True)
    assert d2x.data == 12.0
    (d3x,) = mg.grad(d2x, x)
    assert d3x == 6.0


@pytest.mark.parametrize("name", sorted(set(UNARY) - KINKED))
def test_second_derivative_of_every_smooth_primitive(name):
    op, reference, (lo, hi) = UNARY[name]
    x0 = lo + 0.37 * (hi - lo)

    def first_derivative(x):
        return central_difference(reference, [x], 0, eps=1e-5)

    x = mg.Value(x0)
    (dx,) = mg.grad(op(x), x, create_graph=True)
    (d2x,) = mg.grad(dx, x, allow_unused=True)  # None: dx is a constant (linear op)
    assert_close(d2x or 0.0, central_difference(first_derivative, [x0], 0, eps=1e-4), tol=1e-4)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_mixed_second_derivatives_of_binary_primitives(name):
    op, reference = BINARY[name]
    a0, b0 = 1.3, 0.7
    a, b = mg.Value(a0), mg.Value(b0)
    (da,) = mg.grad(op(a, b), a, create_graph=True)
    d2 = mg.grad(da, [a, b], allow_unused=True)
    for i, got in enumerate(d2):

        def d_da(a_, b_):
            return central_difference(reference, [a_, b_], 0, eps=1e-5)

        numerical = central_difference(d_da, [a0, b0], i, eps=1e-4)
        assert_close(0.0 if got is None else got, numerical, tol=1e-4)


# ---- the core's contract --------------------------------------------------------------------
def test_grad_does_not_touch_dot_grad():
    x = mg.Value(3.0)
    (g,) = mg.grad(x * x, x)
    assert g == 6.0 and x.grad == 0.0


def test_no_grad_records_nothing_and_works_as_decorator():
    x = mg.Value(2.0)
    with mg.no_grad():
        y = x * x
        with mg.enable_grad():
            z = x * x
    assert not y.requires_grad and y.parents == ()
    assert z.requires_grad

    @mg.no_grad()
    def square(v):
        return v * v

    assert not square(x).requires_grad
    assert mg.is_grad_enabled()


def test_an_op_records_only_when_an_input_requires_grad():
    """On the lean path, for one, two and many inputs (a neuron's weighted sum)."""
    constant, leaf = mg.Value(2.0, requires_grad=False), mg.Value(3.0)
    neuron = Neuron(2, nonlin=False)
    for p in neuron.parameters():
        p.requires_grad = False
    without = [constant.relu(), constant * constant, neuron([constant, constant])]
    for out in without:
        assert not out.requires_grad and out.parents == () and out.grad == 0.0
    with_grad = [leaf.relu(), constant * leaf, neuron([constant, leaf])]
    for out in with_grad:
        assert out.requires_grad and any(p is leaf for p in out.parents) and out.grad == 0.0
    with_grad[-1].backward()  # w₁·c + w₂·leaf + b
    assert leaf.grad == neuron.w[1].data


def _neuron_with_shared_float():
    """A linear neuron w·x + b whose w₁ and x₂ hold one and the same float object."""
    shared = 0.75
    neuron = Neuron(2, nonlin=False)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = shared, -2.0, 0.5
    x = [mg.Value(1.5), mg.Value(shared)]
    assert neuron.w[0].data is x[1].data
    return neuron, x


def test_a_neurons_second_derivatives_match_the_hand_derived_ones():
    """L = out², out = w₁x₁ + w₂x₂ + b: ∂L/∂x₁ = 2·out·w₁, and its derivative in w₁ is
    2·(x₁w₁ + out), in w₂ 2·x₂w₁, in x₂ 2·w₂w₁. Inputs sharing a float object stay apart."""
    neuron, x = _neuron_with_shared_float()
    (w1, w2), b = neuron.w, neuron.b
    out = neuron(x)
    (dx1,) = mg.grad(out * out, [x[0]], create_graph=True)
    assert dx1.data == pytest.approx(2 * out.data * w1.data)
    second = mg.grad(dx1, [w1, w2, x[1], b])
    expected = [
        2 * (x[0].data * w1.data + out.data),
        2 * x[1].data * w1.data,
        2 * w2.data * w1.data,
        2 * w1.data,
    ]
    assert [float(g) for g in second] == pytest.approx(expected)
    # ∂L/∂w₂ = 2·out·x₂ reads x₂, whose float is w₁'s too: in w₁ 2·x₁x₂, in x₂ 2·(w₂x₂ + out)
    (dw2,) = mg.grad(out * out, [w2], create_graph=True)
    second = mg.grad(dw2, [w1, x[1]])
    expected = [2 * x[0].data * x[1].data, 2 * (w2.data * x[1].data + out.data)]
    assert [float(g) for g in second] == pytest.approx(expected)


def test_a_neuron_in_forward_mode_and_under_anomaly_detection():
    """jvp: d(out) = Σ xᵢ·dwᵢ + Σ wᵢ·dxᵢ + db; the general pass gives the lean pass's grads."""
    neuron, x = _neuron_with_shared_float()
    params = [*neuron.w, *x, neuron.b]
    tangents = [0.1, -0.2, 0.3, 0.4, 0.5]
    _, tangent = mg.jvp(lambda *v: mg.Value._nary(WeightedSum, v), params, tangents)
    w1, w2, x1, x2, b = (p.data for p in params)
    expected = x1 * 0.1 + x2 * -0.2 + w1 * 0.3 + w2 * 0.4 + 0.5
    assert float(tangent.data if isinstance(tangent, mg.Value) else tangent) == pytest.approx(
        expected
    )
    neuron(x).backward()
    lean = [p.grad for p in params]
    for p in params:
        p.zero_grad()
    with mg.detect_anomaly():
        neuron(x).backward()
    assert [p.grad for p in params] == lean == [x1, x2, w1, w2, 1.0]


def test_detach_cuts_the_graph():
    x = mg.Value(2.0)
    y = (x * x).detach() * x
    y.backward()
    assert x.grad == 4.0  # only the direct path: d/dx (c * x) with c = 4


def test_unused_input_is_an_error_unless_allowed():
    x, y = mg.Value(1.0), mg.Value(2.0)
    with pytest.raises(ValueError, match="not used"):
        mg.grad(x * 2, [x, y])
    assert mg.grad(x * 2, [x, y], allow_unused=True) == (2.0, None)


def test_topological_order_puts_parents_first():
    x = mg.Value(1.0)
    y = x * 2
    z = y + x
    order = mg.topological_order([z])
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            if p.requires_grad:
                assert position[id(p)] < position[id(node)]


def test_long_chain_backward_has_no_recursion():
    x = mg.Value(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    ref = weakref.ref(y)
    del y
    assert ref() is None  # freed by reference counting, iteratively (no stack overflow)


def test_number_operand_is_one_constant_node_however_often_asked():
    x = mg.Value(3.0, label="x")
    y = 2 * x * 0.5
    left, right = y.parents
    assert y.parents[1] is right and left.parents[0] is y.parents[0].parents[0]
    two = left.parents[0]
    assert (two.data, right.data) == (2.0, 0.5)
    assert two.is_leaf and not two.requires_grad and not right.requires_grad
    y.backward()
    assert x.grad == 1.0 and two.grad == 0.0  # constants collect no gradient


def test_a_scalar_op_adds_one_object_for_the_cycle_collector():
    # the output node is its own op record and a number operand makes no node: one tracked
    # object per operation (a long graph is otherwise rescanned by every full collection)
    x = mg.Value(0.5)

    def grown() -> int:
        gc.collect()
        gc.disable()
        try:
            before = len(gc.get_objects())
            y = x
            for _ in range(1000):
                y = y * 1.0
            return len(gc.get_objects()) - before
        finally:
            gc.enable()

    # the median of three: another thread of the test process may allocate meanwhile
    assert 1000 <= sorted(grown() for _ in range(3))[1] < 1100


def test_a_scalar_op_is_counted_once_by_the_cycle_collector():
    # every new container object counts toward the next collection, even one untracked later:
    # forward's saved floats stay in the node's slots, so `y * w` (two saved) counts as one
    x, w = mg.Value(0.5), mg.Value(2.0)

    def counted() -> int:
        gc.collect()
        gc.disable()
        try:
            before = gc.get_count()[0]
            y = x
            for _ in range(500):
                y = y * w + 1.0
            return gc.get_count()[0] - before
        finally:
            gc.enable()

    # the median of three: another thread of the test process may allocate meanwhile
    assert 1000 <= sorted(counted() for _ in range(3))[1] < 1050


def test_graph_is_freed_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        x = mg.Value(0.5)
        y = ((x * 3).tanh() + x.exp()).sigmoid()
        y.backward()
        ref = weakref.ref(y)
        del y
        assert ref() is None
    finally:
        gc.enable()


# ---- numerical stability and learner-facing errors ------------------------------------------
def test_stable_at_extreme_inputs():
    assert mg.Value(1000.0).tanh().data == 1.0
    assert mg.Value(-1000.0).tanh().data == -1.0
    assert mg.Value(-1000.0).sigmoid().data == 0.0
    assert mg.Value(1000.0).sigmoid().data == 1.0
    assert mg.Value(1000.0).exp().data == math.inf
    y = mg.Value(-1000.0)
    s = y.sigmoid()
    s.backward()
    assert y.grad == 0.0


@pytest.mark.parametrize(
    "expression, words",
    [
        (lambda: mg.Value(-1.0).log(), ["log", "-1.0"]),
        (lambda: mg.Value(0.0).log(), ["log", "0.0"]),
        (lambda: mg.Value(-4.0).sqrt(), ["sqrt", "-4.0"]),
        (lambda: mg.Value(-2.0) ** mg.Value(2.0), ["pow", "-2.0"]),
        (lambda: mg.Value(-8.0) ** 0.5, ["pow", "-8.0"]),
    ],
)
def test_domain_errors_name_the_op_and_value(expression, words):
    with pytest.raises(ValueError) as info:
        expression()
    for word in words:
        assert word in str(info.value)


def test_type_errors_are_explained():
    with pytest.raises(TypeError, match="real number"):
        mg.Value("2")
    with pytest.raises(TypeError, match="cannot combine a Value"):
        mg.Value(1.0) + "a"
    with pytest.raises(TypeError, match="Value for scalars"):
        mg.Value(1.0) + mg.Tensor([1.0])


# ---- custom Functions -----------------------------------------------------------------------
class Cube(mg.Function):
    """x**3; d/dx = 3x**2"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad

    @staticmethod
    def jvp(ctx, dx):
        (x,) = ctx.saved_tensors
        return 3 * x * x * dx


def test_custom_function_backward_second_order_and_jvp():
    x = mg.Value(2.0)
    y = Cube.apply(x)
    assert y.op == "cube" and y.data == 8.0
    y.backward()
    assert x.grad == 12.0
    (dx,) = mg.grad(Cube.apply(x), x, create_graph=True)
    (d2x,) = mg.grad(dx, x)
    assert d2x == 12.0
    _, tangent = mg.jvp(Cube.apply, [x], [1.0])
    assert tangent == 12.0


def test_custom_function_with_wrong_number_of_gradients_is_explained():
    class Bad(mg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return (grad,)

    with pytest.raises(RuntimeError, match="returned 1 gradients for 2 inputs"):
        Bad.apply(mg.Value(1.0), mg.Value(2.0)).backward()


# ---- micrograd compatibility ----------------------------------------------------------------
def test_scalar_mlp_matches_micrograd_exactly():
    import micrograd.nn as micrograd_nn
    from micrograd.engine import Value as TheirValue

    random.seed(0)
    ours = MLP(3, [4, 4, 1])
    theirs = micrograd_nn.MLP(3, [4, 4, 1])
    for p, q in zip(theirs.parameters(), ours.parameters()):
        p.data = q.data
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0]]
    ys = [1.0, -1.0, -1.0]

    def loss(model, cls):
        preds = [model([cls(v) for v in x]) for x in xs]
        return sum(((p - y) ** 2 for p, y in zip(preds, ys)), cls(0.0))

    ours.zero_grad()
    theirs.zero_grad()
    ours_loss, their_loss = loss(ours, mg.Value), loss(theirs, TheirValue)
    ours_loss.backward()
    their_loss.backward()
    assert ours_loss.data == their_loss.data
    # Contributions are summed in another order, so gradients agree to rounding.
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-12
    )
    assert len(ours.parameters()) == 4 * 4 + 4 * 5 + 5
