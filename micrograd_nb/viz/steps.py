"""The chain rule written out one node at a time: `backward_steps(L)` and `forward_steps(L, wrt=x)`.

A `StepPlan` lists the nodes in the order the engine visits them, the number each one gets
(its adjoint ∂L/∂node, or its tangent ∂node/∂x) and the local rule that produced it, e.g.
`∂L/∂s = ∂L/∂z · w = 40 · 4 = 160`; where a node feeds several paths the rule shows the sum
of the contributions. The numbers come from the engine's own rules (`backpropagate` and each
operation's `backward`/`jvp`) and the formulas from each operation's class (`Function.formulas`);
no `.grad` of the learner's graph is touched. The steppers in `mg.widgets` show these plans.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Node, backpropagate, no_grad, topological_order
from .format import format_number, format_values
from .formulas import derivative_symbol, local_formula


@dataclass(repr=False)
class StepPlan:
    """What each step shows: the nodes in visiting order, their numbers and the rules used."""

    order: list[Node]
    values: list[Any]  # adjoint (backward) or tangent (forward) of order[i]
    rules: list[str]  # how values[i] was computed, as text
    names: dict[int, str] = field(default_factory=dict)  # id(node) -> name shown
    value_name: str = "grad"  # field name in the drawing

    def __len__(self) -> int:
        return len(self.order)

    @property
    def values_by_name(self) -> dict[str, Any]:
        """{node name: number}, in visiting order."""
        return {self.names[id(n)]: v for n, v in zip(self.order, self.values)}

    @property
    def rules_by_name(self) -> dict[str, str]:
        """{node name: the rule that gave its number}, in visiting order."""
        return {self.names[id(n)]: r for n, r in zip(self.order, self.rules)}

    def __str__(self) -> str:
        return "\n".join(f"{k}. {rule}" for k, rule in enumerate(self.rules, start=1))

    def __repr__(self) -> str:
        return f"<StepPlan: {len(self)} steps, {self.value_name}>"

    def _repr_html_(self) -> str:
        items = "".join(f"<li><code>{html.escape(rule)}</code></li>" for rule in self.rules)
        return f"<ol>{items}</ol>"


def node_names(root: Node) -> dict[int, str]:
    """A unique short name for every node: its label, else v1, v2, ... (constants: their value)."""
    names: dict[int, str] = {}
    used: set[str] = set()
    counter = 0
    for node in topological_order([root], all_nodes=True):
        name = node.label
        if not name and not node.requires_grad and node.is_leaf and isinstance(node.data, float):
            name = format_number(node.data)  # a constant such as 2.0 reads best as itself
        if not name:
            counter += 1
            name = f"v{counter}"
            while name in used:
                counter += 1
                name = f"v{counter}"
        elif name in used and node.requires_grad:
            suffix = 2
            while f"{name}#{suffix}" in used:
                suffix += 1
            name = f"{name}#{suffix}"
        used.add(name)
        names[id(node)] = name
    return names


def backward_steps(root: Node, names: dict[int, str] | None = None) -> StepPlan:
    """Reverse mode: nodes from the output back to the inputs, each with its full adjoint ∂L/∂node.

    `names` (id(node) -> name) overrides the names of some nodes (parameters, say)."""
    check_root(root, "backward_steps")
    names = {**node_names(root), **(names or {})}
    forward_order = topological_order([root])
    order = forward_order[::-1]
    with no_grad():
        # The engine's own backward pass, into a private dict: `.grad`s stay as they are.
        adjoints = backpropagate(forward_order, {id(root): root._seed_grad()}, create_graph=False)
        users = _users(order, adjoints)

    root_name = names[id(root)]
    values, rules = [], []
    for node in order:
        adjoint = adjoints.get(id(node))
        adjoint = node._zero_like_data() if adjoint is None else adjoint
        values.append(adjoint)
        if node is root:
            seed = derivative_symbol(root_name, root_name)
            rules.append(f"{seed} = 1   (the seed: start of the backward pass)")
        else:
            rules.append(_backward_rule(node, adjoint, users.get(id(node), []), names, root_name))
    return StepPlan(order, values, rules, names, "grad")


def _users(order: list[Node], adjoints: dict) -> dict[int, list[tuple[Node, int, Any, Any, bool]]]:
    """id(node) -> (child, input index, child's adjoint, local derivative, summed back) per use."""
    users: dict[int, list[tuple[Node, int, Any, Any, bool]]] = {}
    for child in order:
        ctx = child._ctx
        upstream = adjoints.get(id(child))
        if ctx is None or upstream is None:
            continue
        contributions = _as_tuple(ctx.fn.backward(ctx, upstream))
        # On floats the local derivative is one number: the rule's backward at ȳ = 1.
        scalar = _is_float_graph(child)
        locals_ = _as_tuple(ctx.fn.backward(ctx, 1.0)) if scalar else (None,) * len(ctx.inputs)
        for i, parent in enumerate(ctx.inputs):
            if parent.requires_grad and contributions[i] is not None:
                summed = np.shape(contributions[i]) != np.shape(parent.data)
                users.setdefault(id(parent), []).append((child, i, upstream, locals_[i], summed))
    return users


def _backward_rule(node: Node, adjoint: Any, uses: list, names: dict, root_name: str) -> str:
    """∂L/∂s = ∂L/∂z · w = 40 · 4 = 160, one term per use of the node."""
    me = names[id(node)]
    symbols, numbers = [], []
    for child, i, upstream, local, summed in uses:
        inputs = [names.get(id(x), "?") for x in child._ctx.inputs]
        formula = local_formula(child, i, inputs, names[id(child)])
        formula = formula or derivative_symbol(names[id(child)], me)
        upstream_symbol = derivative_symbol(root_name, names[id(child)])
        if local is not None:
            symbols.append(f"{upstream_symbol} · {_factor(formula)}")
            numbers.append(f"{_num(upstream)} · {_num(local)}")
        else:
            term = f"{child.op}.backward({upstream_symbol})"
            # Broadcasting: the rule's output has the child's shape and is summed back.
            symbols.append(f"sum_to_shape({term}, {node.shape})" if summed else term)
    text = f"{derivative_symbol(root_name, me)} = " + " + ".join(symbols)
    if numbers:
        text += " = " + " + ".join(numbers)
    return f"{text} = {_plain(adjoint)}"


def forward_steps(root: Node, wrt: Node, tangent: Any = None) -> StepPlan:
    """Forward mode: nodes from the inputs to the output, each with its tangent ∂node/∂wrt."""
    check_root(root, "forward_steps")
    order = topological_order([root])
    check_wrt(order, wrt, "forward_steps")
    names = node_names(root)
    seed = wrt._check_grad_output(1.0 if tangent is None else tangent)
    x = names[id(wrt)]
    tangents: dict[int, Any] = {}
    values, rules = [], []
    with no_grad():
        for node in order:
            me = names[id(node)]
            ctx = node._ctx
            if ctx is None:
                value = seed if node is wrt else node._zero_like_data()
                why = "the seed" if node is wrt else f"{me} does not change with {x}"
                rules.append(f"{derivative_symbol(me, x)} = {_plain(value)}   ({why})")
            else:
                inputs_t = [tangents.get(id(p), p._zero_like_data()) for p in ctx.inputs]
                value = ctx.fn.jvp(ctx, *inputs_t)  # the engine's forward-mode rule
                rules.append(_forward_rule(node, me, x, names, inputs_t, value))
            tangents[id(node)] = value
            values.append(value)
    return StepPlan(order, values, rules, names, f"∂/∂{x}")


def _forward_rule(node: Node, me: str, x: str, names: dict, inputs_t: list, value: Any) -> str:
    """∂z/∂x = w · ∂s/∂x + s · ∂w/∂x = 4 · 1 + 5 · 0 = 4"""
    ctx = node._ctx
    inputs = [names.get(id(p), "?") for p in ctx.inputs]
    symbols, numbers = [], []
    scalar = _is_float_graph(node)
    for i, parent in enumerate(ctx.inputs):
        if not parent.requires_grad:
            continue
        formula = local_formula(node, i, inputs, me) or derivative_symbol(me, inputs[i])
        symbols.append(f"{_factor(formula)} · {derivative_symbol(inputs[i], x)}")
        if scalar:
            # On floats the local derivative is one number: the jvp with a one-hot tangent.
            one_hot = [1.0 if j == i else 0.0 for j in range(len(inputs_t))]
            local = ctx.fn.jvp(ctx, *one_hot)
            numbers.append(f"{_num(local)} · {_num(inputs_t[i])}")
    text = f"{derivative_symbol(me, x)} = " + " + ".join(symbols)
    if numbers:
        text += " = " + " + ".join(numbers)
    return f"{text} = {_plain(value)}"


def _is_float_graph(node: Node) -> bool:
    """True for a `Value` operation (plain floats), where local derivatives are single numbers."""
    return type(node.data) is float and all(type(p.data) is float for p in node._ctx.inputs)


def _plain(x: Any) -> str:
    """A number, or an array's values (statistics when large) on one line."""
    return format_number(float(x)) if np.ndim(x) == 0 else format_values(x).replace("\n", " ")


def _num(x: Any) -> str:
    """A number inside a product: negative ones in parentheses, 40 · (-4)."""
    text = _plain(x)
    return f"({text})" if text.startswith("-") else text


def _factor(formula: str) -> str:
    """A formula as a factor of a product: '1 - t²' becomes '(1 - t²)', '-1' becomes '(-1)'."""
    depth = 0
    for i, char in enumerate(formula):
        depth += (char in "([") - (char in ")]")
        # A sum, or a leading minus, outside brackets would bind wrongly after "·".
        if depth == 0 and formula[i : i + 3] in (" + ", " - "):
            return f"({formula})"
    return f"({formula})" if formula.startswith("-") else formula


def _as_tuple(grads: Any) -> tuple:
    return grads if type(grads) is tuple else (grads,)


def check_root(root: Any, who: str) -> None:
    """Raise, naming `who`, unless `root` is a node that gradients flow into."""
    if not isinstance(root, Node):
        raise TypeError(
            f"{who}: expected the Value or Tensor at the end of a computation, got {type(root).__name__}"
        )
    if not root.requires_grad:
        raise ValueError(
            f"{who}: this node does not require grad, so no gradient flows through its graph. "
            "Build it from Values (or Tensors with requires_grad=True) outside no_grad()."
        )


def check_wrt(order: list[Node], wrt: Any, who: str) -> None:
    """Raise, naming `who`, unless `wrt` is one of the nodes in `order` (a graph's inputs)."""
    if not isinstance(wrt, Node):
        raise TypeError(f"{who}: wrt must be a Value or Tensor, got {type(wrt).__name__}")
    if all(node is not wrt for node in order):
        raise ValueError(
            f"{who}: `wrt` is not an input of this graph (or does not require grad); "
            "pass one of the leaves the output was computed from"
        )
