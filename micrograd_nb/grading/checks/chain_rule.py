"""Exercise chain_rule: backpropagation over a graph given by its local derivatives."""

from __future__ import annotations

from ...gradcheck import numerical_grad
from ...primitives import elementwise as ew
from ...value import Value
from ..compare import expect_close, fmt
from ..core import Case, Exercise, Test, Wrong

# A program is a list of (name, op, parent names); inputs have op "input".
# Each op is the library's own primitive: its forward and its local derivatives (backward with
# an upstream gradient of 1) come from the class, so no rule is restated here.
_OPS = {
    "+": (ew.Add, {}),
    "*": (ew.Mul, {}),
    "tanh": (ew.Tanh, {}),
    "sigmoid": (ew.Sigmoid, {}),
    "**2": (ew.PowConst, {"exponent": 2.0}),
}


def _forward(op: str, *args: float) -> float:
    fn, options = _OPS[op]
    return fn.apply(*[Value(a) for a in args], **options).data


def _local_derivatives(op: str, *args: float) -> tuple:
    """∂node/∂parent for each parent, from the primitive's own backward rule."""
    fn, options = _OPS[op]
    node = fn.apply(*[Value(a) for a in args], **options)
    grads = fn.backward(node._ctx, 1.0)
    return grads if isinstance(grads, tuple) else (grads,)


def _run(program, inputs: dict, bump: tuple | None = None) -> dict:
    """Values of every node; `bump=(name, delta)` adds delta to one node right after it is computed."""
    values = {}
    for name, op, parents in program:
        if op == "input":
            v = inputs[name]
        else:
            v = _forward(op, *[values[p] for p in parents])
        if bump is not None and bump[0] == name:
            v = v + bump[1]
        values[name] = v
    return values


def _case(program, inputs: dict, where: str) -> Case:
    values = _run(program, inputs)
    order = [name for name, _, _ in program]
    output = order[-1]
    edges = {}
    for name, op, parents in program:
        if op == "input":
            continue
        locals_ = _local_derivatives(op, *[values[p] for p in parents])
        edges[name] = [(p, float(d)) for p, d in zip(parents, locals_)]
    # Oracle: dL/dnode by central differences on a bump added to that node.
    expected = {}
    for name in order:
        (g,) = numerical_grad(lambda d, name=name: _run(program, inputs, (name, d))[output], [0.0])
        expected[name] = g
    consumers = {name: [] for name in order}
    for name, parent_list in edges.items():
        for parent, local in parent_list:
            consumers[parent].append((name, local))
    data = {"expected": expected, "consumers": consumers, "output": output}
    return Case((order, edges, output), where, data=data)


def _curriculum(rng) -> list[Case]:
    program = [
        ("x", "input", ()),
        ("y", "input", ()),
        ("w", "input", ()),
        ("s", "+", ("x", "y")),
        ("z", "*", ("s", "w")),
        ("L", "**2", ("z",)),
    ]
    return [
        _case(program, {"x": 2.0, "y": 3.0, "w": 4.0}, "x=2, y=3, w=4 (s = x + y, z = s·w, L = z²)")
    ]


def _fan_out(rng) -> list[Case]:
    program = [
        ("a", "input", ()),
        ("b", "input", ()),
        ("aa", "*", ("a", "a")),
        ("ab", "*", ("a", "b")),
        ("f", "+", ("aa", "ab")),
    ]
    cases = [_case(program, {"a": 2.0, "b": 3.0}, "a=2, b=3 (f = a·a + a·b)")]
    a, b = rng.uniform(-2, 2, size=2)
    cases.append(_case(program, {"a": a, "b": b}, f"a={a:.4g}, b={b:.4g} (f = a·a + a·b)"))
    return cases


def _random(rng) -> list[Case]:
    cases = []
    for k in range(3):
        names = ["a", "b", "c"]
        program = [(n, "input", ()) for n in names]
        for i in range(7):
            op = str(rng.choice(list(_OPS)))
            arity = 2 if op in "+*" else 1
            # Prefer recent nodes so the graph is deep; repeats make values feed several nodes.
            parents = tuple(str(rng.choice(names[-4:])) for _ in range(arity))
            name = f"n{i}"
            program.append((name, op, parents))
            names.append(name)
        program.append(("L", "+", (names[-1], names[-3])))
        inputs = {n: float(rng.uniform(-1.5, 1.5)) for n in "abc"}
        text = ", ".join(f"{n}={fmt(v, 4)}" for n, v in inputs.items())
        description = "; ".join(f"{n} = {op}({', '.join(p)})" for n, op, p in program[3:])
        cases.append(_case(program, inputs, f"{text}, random graph {k + 1}: {description}"))
    return cases


def _judge(case: Case, value, args) -> None:
    order, edges, output = case.args
    if not isinstance(value, dict):
        raise Wrong(
            f"backward should return a dict {{node name: gradient}}, got {type(value).__name__}"
        )
    missing = [n for n in order if n not in value]
    if missing:
        raise Wrong(
            f"backward's result has no gradient for {missing}: give every node one (0.0 if unused)"
        )
    expected = case.data["expected"]
    consumers = case.data["consumers"]
    # Report the node nearest to the output first: its error explains the ones before it.
    for name in reversed(order):
        mistakes = []
        uses = consumers[name]
        if len(uses) > 1:
            for user, local in uses:
                mistakes.append(
                    (
                        local * expected[user],
                        f"'{name}' is used {len(uses)} times and yours is only the contribution "
                        f"through '{user}': contributions must add up (`+=`, not `=`)",
                    )
                )
        if name != output and uses:
            mistakes.append(
                (
                    0.0,
                    "visit the nodes in reverse topological order (output first), so that a node's "
                    "gradient is complete before it is passed on to its parents",
                )
            )
            mistakes.append(
                (
                    sum(local for _, local in uses),
                    "multiply each local derivative by the gradient of the node it leads to (chain rule)",
                )
            )
        expect_close(f"dL/d{name}", value[name], expected[name], case.where, mistakes=mistakes)


EXERCISE = Exercise(
    name="chain_rule",
    title="Backpropagation: the chain rule in reverse topological order",
    notebook="03_chain_rule.ipynb",
    functions=("backward",),
    tests=[
        Test(
            "backward: curriculum example L = ((x + y)·w)²", "backward", _curriculum, _judge, seed=5
        ),
        Test(
            "backward: a value used twice (contributions add up)",
            "backward",
            _fan_out,
            _judge,
            seed=6,
        ),
        Test("backward: random graphs", "backward", _random, _judge, seed=7),
    ],
)
