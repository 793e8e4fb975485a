"""`mg.backward_steps` / `mg.forward_steps` without widgets: the curriculum's adjoints by hand,
every rule's formula text against its operation's `backward`, the numbers against the engine."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_derivatives import evaluate

import micrograd_nb as mg
from micrograd_nb.nn.scalar import MLP
from micrograd_nb.viz.format import format_number
from micrograd_nb.viz.formulas import derivative_symbol

# ---- reading a rule back ------------------------------------------------------------------------


def split_top(text: str, sep: str) -> list[str]:
    """`text` cut at `sep` outside brackets: '[a = b] = 1' -> ['[a = b]', '1'] for ' = '."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        depth += (text[i] in "([") - (text[i] in ")]")
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i = start = i + len(sep)
        else:
            i += 1
    return parts + [text[start:]]


def unwrap(text: str) -> str:
    """'(-4)' -> '-4': a factor printed in parentheses."""
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def scope_of(plan, root) -> dict:
    """Every named node's value under its name, and the functions formulas use."""
    scope = {
        name: node.data
        for node in mg.topological_order([root], all_nodes=True)
        if (name := plan.names[id(node)]).isidentifier()
    }
    scope.update(exp=np.exp, log=np.log, sqrt=np.sqrt, sign=np.sign, tanh=np.tanh)
    scope["iverson"] = lambda condition: float(condition)
    return scope


def local_derivative(child, i: int) -> float:
    """∂child/∂(input i) from the operation's own backward rule at ȳ = 1."""
    grads = child._ctx.fn.backward(child._ctx, 1.0)
    return (grads if isinstance(grads, tuple) else (grads,))[i]


def class_formula(child, i: int, names: dict) -> str:
    """The text `Function.formula` gives for input i, with the plan's names filled in."""
    ctx = child._ctx
    inputs = [names[id(p)] for p in ctx.inputs]
    return ctx.fn.formula(i, inputs, names[id(child)], getattr(ctx, "options", None) or {})


def check_backward_rules(plan, root) -> int:
    """Each rule: ∂L/∂v = Σ ∂L/∂c · formula = Σ numbers = adjoint, term by term. Returns terms."""
    names, scope = plan.names, scope_of(plan, root)
    value_of = {id(n): v for n, v in zip(plan.order, plan.values)}
    L = names[id(root)]
    checked = 0
    assert plan.order[0] is root and plan.values[0] == 1.0
    for node, value, rule in list(zip(plan.order, plan.values, plan.rules))[1:]:
        lhs, symbols, numbers, total = split_top(rule, " = ")
        assert lhs == derivative_symbol(L, names[id(node)])
        uses = [
            (child, i)
            for child in plan.order
            if child._ctx is not None
            for i, parent in enumerate(child._ctx.inputs)
            if parent is node
        ]
        terms, products = split_top(symbols, " + "), split_top(numbers, " + ")
        assert len(terms) == len(products) == len(uses), rule
        expected = 0.0
        for (child, i), term, product in zip(uses, terms, products):
            upstream_symbol, formula = term.split(" · ", 1)
            assert upstream_symbol == derivative_symbol(L, names[id(child)])
            assert unwrap(formula) == class_formula(child, i, names)  # the class's own text
            local = local_derivative(child, i)
            # the text, evaluated at the graph's values, is what backward computes
            assert evaluate(formula, scope) == pytest.approx(local, rel=1e-12, abs=1e-15), rule
            upstream_number, local_number = product.split(" · ")
            assert unwrap(upstream_number) == format_number(value_of[id(child)])
            assert unwrap(local_number) == format_number(local)
            expected += value_of[id(child)] * local
            checked += 1
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert total == format_number(value)
    return checked


def check_forward_rules(plan, root, wrt) -> int:
    """Each rule: ∂c/∂x = Σ formula · ∂v/∂x = Σ numbers = tangent. Returns terms checked."""
    names, scope = plan.names, scope_of(plan, root)
    tangent_of = {id(n): v for n, v in zip(plan.order, plan.values)}
    x = names[id(wrt)]
    checked = 0
    for node, value, rule in zip(plan.order, plan.values, plan.rules):
        if node._ctx is None:
            assert value == (1.0 if node is wrt else 0.0)
            assert rule.startswith(f"{derivative_symbol(names[id(node)], x)} = {value:g}   (")
            continue
        lhs, symbols, numbers, total = split_top(rule, " = ")
        assert lhs == derivative_symbol(names[id(node)], x)
        inputs = [(i, p) for i, p in enumerate(node._ctx.inputs) if p.requires_grad]
        terms, products = split_top(symbols, " + "), split_top(numbers, " + ")
        assert len(terms) == len(products) == len(inputs), rule
        expected = 0.0
        for (i, parent), term, product in zip(inputs, terms, products):
            formula, tangent_symbol = term.rsplit(" · ", 1)
            assert tangent_symbol == derivative_symbol(names[id(parent)], x)
            assert unwrap(formula) == class_formula(node, i, names)
            # forward mode shows the same local derivative that backward uses
            local = local_derivative(node, i)
            assert evaluate(formula, scope) == pytest.approx(local, rel=1e-12, abs=1e-15), rule
            local_number, tangent_number = product.split(" · ")
            assert unwrap(local_number) == format_number(local)
            assert unwrap(tangent_number) == format_number(tangent_of[id(parent)])
            expected += local * tangent_of[id(parent)]
            checked += 1
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert total == format_number(value)
    return checked


# ---- the curriculum's worked example, by hand ---------------------------------------------------


def test_the_worked_example_backward_by_hand(worked_example):
    x, y, w, s, z, L = worked_example
    plan = mg.backward_steps(L)
    # CURRICULUM §2: ∂L/∂z = 2z = 40, ∂L/∂w = 40·s = 200, ∂L/∂s = 40·w = 160, ∂L/∂x = ∂L/∂y = 160
    assert plan.values_by_name == {
        "L": 1.0,
        "z": 40.0,
        "s": 160.0,
        "x": 160.0,
        "y": 160.0,
        "w": 200.0,
    }
    assert plan.rules_by_name == {
        "L": "∂L/∂L = 1   (the seed: start of the backward pass)",
        "z": "∂L/∂z = ∂L/∂L · 2·z = 1 · 40 = 40",
        "s": "∂L/∂s = ∂L/∂z · w = 40 · 4 = 160",
        "x": "∂L/∂x = ∂L/∂s · 1 = 160 · 1 = 160",
        "y": "∂L/∂y = ∂L/∂s · 1 = 160 · 1 = 160",
        "w": "∂L/∂w = ∂L/∂z · s = 40 · 5 = 200",
    }
    assert len(plan) == 6 and plan.value_name == "grad"
    assert str(plan).splitlines()[2] == "3. ∂L/∂s = ∂L/∂z · w = 40 · 4 = 160"
    assert repr(plan) == "<StepPlan: 6 steps, grad>"
    assert plan._repr_html_().count("<li>") == 6
    assert [n.grad for n in (x, y, w, s, z, L)] == [0.0] * 6  # planning ran no backward()
    assert check_backward_rules(plan, L) == 5


def test_the_worked_example_forward_by_hand(worked_example):
    x, y, w, s, z, L = worked_example
    # tangents with respect to x: ∂s/∂x = 1, ∂z/∂x = w = 4, ∂L/∂x = 2z·4 = 160
    along_x = mg.forward_steps(L, wrt=x)
    assert along_x.values_by_name == {"w": 0.0, "y": 0.0, "x": 1.0, "s": 1.0, "z": 4.0, "L": 160.0}
    assert along_x.rules_by_name["z"] == "∂z/∂x = w · ∂s/∂x + s · ∂w/∂x = 4 · 1 + 5 · 0 = 4"
    assert along_x.value_name == "∂/∂x"
    # with respect to w: ∂z/∂w = s = 5, ∂L/∂w = 2z·5 = 200
    along_w = mg.forward_steps(L, wrt=w)
    assert along_w.values_by_name == {"w": 1.0, "y": 0.0, "x": 0.0, "s": 0.0, "z": 5.0, "L": 200.0}
    assert along_w.rules_by_name["L"] == "∂L/∂w = 2·z · ∂z/∂w = 40 · 5 = 200"
    assert mg.forward_steps(L, wrt=x, tangent=0.5).values_by_name["L"] == 80.0
    assert check_forward_rules(along_x, L, x) == check_forward_rules(along_w, L, w) == 5


def test_formulas_get_parentheses_only_where_a_product_needs_them():
    a, b = mg.Value(1.0, label="a"), mg.Value(1.0, label="b")
    d = a - b
    d.label = "d"
    out = d.sigmoid()
    out.label = "out"
    rules = mg.backward_steps(out).rules_by_name
    # σ' = out·(1 - out): its minus is inside brackets; -1 alone would read as "· -1"
    assert rules["d"] == "∂out/∂d = ∂out/∂out · out·(1 - out) = 1 · 0.25 = 0.25"
    assert rules["b"] == "∂out/∂b = ∂out/∂d · (-1) = 0.25 · (-1) = -0.25"


def test_a_negative_constant_in_a_formula_is_one_factor():
    b = mg.Value(4.0, label="b")
    z = -2 / b  # ∂z/∂b = -a/b² with a = -2: 2/16
    z.label = "z"
    assert (
        mg.backward_steps(z).rules_by_name["b"] == "∂z/∂b = ∂z/∂z · (-(-2)/b²) = 1 · 0.125 = 0.125"
    )
    a = mg.Value(3.0, label="a")
    y = a / -2.0
    y.label = "y"
    assert mg.backward_steps(y).rules_by_name["a"] == "∂y/∂a = ∂y/∂y · 1/(-2) = 1 · (-0.5) = -0.5"


# ---- every rule against the operations' formulas ------------------------------------------------


def many_ops(a, b):
    """Most of Value's operations, away from their kinks (at a = 0.5, b = 2)."""
    c = a**b
    d = (c / b).sigmoid() + abs(a).sqrt() - a.exp().log() * 3.0 + (a * -2.0).relu()
    return d + a.leaky_relu(0.1) + (-b).tanh() * (1.0 - a) + (b**3).exp() / 100.0


random.seed(0)
MODEL = MLP(2, [3, 1])


def scalar_mlp(x1, x2):
    return (MODEL([x1, x2]) - 1.0) ** 2


def worked(x, y, w):
    return ((x + y) * w) ** 2


def shared_input(a):
    return a * a + a.tanh()


#: graph -> the leaves' values; each leaf is labelled with its parameter's name
GRAPHS = {
    worked: (2.0, 3.0, 4.0),
    shared_input: (0.5,),
    many_ops: (0.5, 2.0),
    scalar_mlp: (1.0, -2.0),
}


@pytest.mark.parametrize("make", list(GRAPHS), ids=lambda make: make.__name__)
def test_every_rule_agrees_with_its_operations_formula(make):
    labels = make.__code__.co_varnames[: make.__code__.co_argcount]
    leaves = [mg.Value(v, label=name) for v, name in zip(GRAPHS[make], labels)]
    root = make(*leaves)
    root.label = "out"
    plan = mg.backward_steps(root)
    assert check_backward_rules(plan, root) >= len(leaves)
    # the leaves' adjoints against central differences in float64
    numerical = mg.numerical_grad(make, leaves)
    shown = plan.values_by_name
    np.testing.assert_allclose([shown[n] for n in labels], numerical, rtol=1e-6, atol=1e-8)
    # forward mode along the first leaf: every node's tangent is reverse mode's ∂node/∂leaf
    wrt = leaves[0]
    forward = mg.forward_steps(root, wrt=wrt)
    assert check_forward_rules(forward, root, wrt) >= 1
    for node, tangent in zip(forward.order, forward.values):
        (d,) = mg.grad(node, wrt, allow_unused=True) if node.requires_grad else (None,)
        assert tangent == pytest.approx(0.0 if d is None else d, rel=1e-12, abs=1e-15)


UNARY = {
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "square": lambda v: v**2,
    "neg": lambda v: -v,
    "exp_tanh": lambda v: v.tanh().exp(),
    "log1p_square": lambda v: (v * v + 1.0).log(),
    "sqrt1p_square": lambda v: (1.0 + v * v).sqrt(),
    "halve": lambda v: v / 2.0,
}
BINARY = {
    "add": lambda u, v: u + v,
    "sub": lambda u, v: u - v,
    "mul": lambda u, v: u * v,
    "div": lambda u, v: u / (v * v + 1.0),
}


@st.composite
def expressions(draw):
    """(leaf values, program): a random expression over three leaves, as a list of steps."""
    values = draw(st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
    program = []
    for k in range(draw(st.integers(1, 8))):
        available = 3 + k
        if draw(st.booleans()):
            program.append(
                (draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, available - 1)))
            )
        else:
            op = draw(st.sampled_from(sorted(BINARY)))
            pair = draw(st.tuples(st.integers(0, available - 1), st.integers(0, available - 1)))
            program.append((op, *pair))
    return values, program


def run(program, leaves):
    nodes = list(leaves)
    for op, *args in program:
        fn = UNARY.get(op) or BINARY[op]
        nodes.append(fn(*[nodes[i] for i in args]))
    return nodes[-1]


@settings(deadline=None, max_examples=40)
@given(expressions())
def test_random_expressions_step_like_the_engine(case):
    values, program = case
    leaves = [mg.Value(v, label=name) for v, name in zip(values, ("p", "q", "r"))]
    root = run(program, leaves)
    plan = mg.backward_steps(root)
    check_backward_rules(plan, root)
    adjoint = {id(n): v for n, v in zip(plan.order, plan.values)}
    engine = mg.grad(root, leaves, allow_unused=True)
    for leaf, want in zip(leaves, engine):
        assert adjoint.get(id(leaf)) == want  # the engine's numbers exactly (None: not used)
    used = [leaf for leaf in leaves if id(leaf) in adjoint]
    numerical = mg.numerical_grad(lambda *xs: run(program, xs), leaves)
    shown = [adjoint.get(id(leaf), 0.0) for leaf in leaves]
    np.testing.assert_allclose(shown, numerical, rtol=1e-5, atol=1e-7)
    check_forward_rules(mg.forward_steps(root, wrt=used[0]), root, used[0])


# ---- tensors ------------------------------------------------------------------------------------


def test_tensor_steps_sum_broadcast_gradients_back():
    W = mg.Tensor([[1.0, 2.0], [3.0, -4.0]], requires_grad=True, label="W")
    b = mg.Tensor([0.5, -1.0], requires_grad=True, label="b")
    x = mg.Tensor([[1.0, -1.0], [2.0, 0.5], [0.0, 1.0]], label="x")
    loss = ((x @ W + b).tanh() ** 2).sum()
    loss.label = "loss"
    plan = mg.backward_steps(loss)
    shown = plan.values_by_name
    numerical = mg.numerical_grad(lambda W_, b_: ((x @ W_ + b_).tanh() ** 2).sum(), [W, b])
    np.testing.assert_allclose(shown["W"], numerical[0], rtol=1e-6)
    np.testing.assert_allclose(shown["b"], numerical[1], rtol=1e-6)
    # b was broadcast over the 3 rows: its rule sums the gradient back to b's shape
    assert plan.rules_by_name["b"].startswith("∂loss/∂b = sum_to_shape(+.backward(∂loss/∂")
    assert plan.rules_by_name["W"].startswith("∂loss/∂W = @.backward(∂loss/∂")
    assert "x" not in shown  # a constant gets no step


# ---- without widgets, and errors ----------------------------------------------------------------


def test_planning_loads_no_widgets():
    code = (
        "import sys, micrograd_nb as mg\n"
        "x = mg.Value(2.0, label='x'); L = (x * 3.0) ** 2\n"
        "print(mg.backward_steps(L).values_by_name['x'], mg.forward_steps(L, wrt=x).values[-1])\n"
        "assert 'ipywidgets' not in sys.modules, 'planning imported ipywidgets'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["36.0", "36.0"]  # d/dx (3x)² = 18x at x = 2


def test_the_old_import_path_still_works():
    from micrograd_nb.widgets import stepper

    assert stepper.backward_plan is mg.backward_steps and stepper.forward_plan is mg.forward_steps
    assert stepper.StepPlan is mg.viz.StepPlan and stepper.node_names is mg.viz.steps.node_names


def test_errors_name_the_function_and_what_to_pass(worked_example):
    x, *_, L = worked_example
    with pytest.raises(TypeError, match="backward_steps: expected the Value or Tensor"):
        mg.backward_steps(3.0)
    with mg.no_grad():
        frozen = x * 2.0
    with pytest.raises(ValueError, match="backward_steps: this node does not require grad"):
        mg.backward_steps(frozen)
    with pytest.raises(ValueError, match="forward_steps: `wrt` is not an input of this graph"):
        mg.forward_steps(L, wrt=mg.Value(1.0))
    with pytest.raises(TypeError, match="forward_steps: wrt must be a Value or Tensor"):
        mg.forward_steps(L, wrt=2.0)
    with pytest.raises(ValueError, match="ForwardStepper: `wrt` is not an input"):
        mg.widgets.ForwardStepper(L, wrt=mg.Value(1.0))
