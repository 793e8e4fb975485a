"""Step through the chain rule one node at a time: `BackwardStepper` and `ForwardStepper`.

The graph is drawn with every adjoint (or tangent) blank. Each "Step" fills in one node, in
the order the engine visits it, highlights it and shows the local rule that produced the
number, e.g. `∂L/∂s = ∂L/∂z · w = 40 · 4 = 160`. Where a node feeds several paths, the rule
shows the sum of the contributions. The numbers come from the engine's own rules
(`backpropagate` and each operation's `backward`/`jvp`); no `.grad` of the learner's graph is
touched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..autograd import Node, backpropagate, no_grad, topological_order
from ..viz.clusters import collect_names
from ..viz.dot import BLANK, DrawOptions, build_dot
from ..viz.drawing import Drawing
from ..viz.format import format_number, format_values
from ..viz.render import INSTALL_HINT, RendererNotFoundError
from ..viz.rules import derivative_symbol, local_formula


@dataclass
class StepPlan:
    """What each step shows: the nodes in visiting order, their numbers and the rules used."""

    order: list[Node]
    values: list[Any]  # adjoint (backward) or tangent (forward) of order[i]
    rules: list[str]  # how values[i] was computed, as text
    names: dict[int, str] = field(default_factory=dict)  # id(node) -> name shown
    value_name: str = "grad"  # field name in the drawing


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


def _is_float_graph(node: Node) -> bool:
    """True for a `Value` operation (plain floats), where local derivatives are single numbers."""
    return type(node.data) is float and all(type(p.data) is float for p in node._ctx.inputs)


def _is_scalar(x: Any) -> bool:
    return np.ndim(x) == 0


def _num(x: Any) -> str:
    """A number inside a product: negative ones in parentheses, 40 · (-4)."""
    text = _plain(x)
    return f"({text})" if text.startswith("-") else text


def backward_plan(root: Node, names: dict[int, str] | None = None) -> StepPlan:
    """Reverse mode: nodes from the output back to the inputs, each with its full adjoint.

    `names` (id(node) -> name) overrides the names of some nodes (parameters, say)."""
    _check_root(root, "BackwardStepper")
    names = {**node_names(root), **(names or {})}
    forward_order = topological_order([root])
    order = forward_order[::-1]
    with no_grad():
        # The engine's own backward pass, into a private dict: `.grad`s stay as they are.
        adjoints = backpropagate(forward_order, {id(root): root._seed_grad()}, create_graph=False)
        users: dict[int, list[tuple[Node, int, Any, Any, bool]]] = {}
        for child in order:
            ctx = child._ctx
            upstream = adjoints.get(id(child))
            if ctx is None or upstream is None:
                continue
            contributions = _as_tuple(ctx.fn.backward(ctx, upstream))
            scalar = _is_float_graph(child)
            locals_ = _as_tuple(ctx.fn.backward(ctx, 1.0)) if scalar else (None,) * len(ctx.inputs)
            for i, parent in enumerate(ctx.inputs):
                if parent.requires_grad and contributions[i] is not None:
                    summed = np.shape(contributions[i]) != np.shape(parent.data)
                    users.setdefault(id(parent), []).append(
                        (child, i, upstream, locals_[i], summed)
                    )

    root_name = names[id(root)]
    values, rules = [], []
    for node in order:
        adjoint = adjoints.get(id(node))
        adjoint = node._zero_like_data() if adjoint is None else adjoint
        values.append(adjoint)
        me = names[id(node)]
        if node is root:
            rules.append(
                f"{derivative_symbol(root_name, root_name)} = 1   (the seed: start of the backward pass)"
            )
            continue
        symbols, numbers = [], []
        for child, i, upstream, local, summed in users.get(id(node), []):
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
        rules.append(f"{text} = {_plain(adjoint)}")
    return StepPlan(order, values, rules, names, "grad")


def forward_plan(root: Node, wrt: Node, tangent: Any = None) -> StepPlan:
    """Forward mode: nodes from the inputs to the output, each with d(node)/d(wrt)."""
    _check_root(root, "ForwardStepper")
    if not isinstance(wrt, Node):
        raise TypeError(f"ForwardStepper: wrt must be a Value or Tensor, got {type(wrt).__name__}")
    names = node_names(root)
    order = topological_order([root])
    if all(node is not wrt for node in order):
        raise ValueError(
            "ForwardStepper: `wrt` is not an input of this graph (or does not require grad); "
            "pass one of the leaves the output was computed from"
        )
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
            one_hot = [1.0 if j == i else 0.0 for j in range(len(inputs_t))]
            local = ctx.fn.jvp(ctx, *one_hot)
            numbers.append(f"{_num(local)} · {_num(inputs_t[i])}")
    text = f"{derivative_symbol(me, x)} = " + " + ".join(symbols)
    if numbers:
        text += " = " + " + ".join(numbers)
    return f"{text} = {_plain(value)}"


def _plain(x: Any) -> str:
    """A number, or an array's values (statistics when large) on one line."""
    return format_number(float(x)) if _is_scalar(x) else format_values(x).replace("\n", " ")


def _factor(formula: str) -> str:
    """A formula as a factor of a product: '1 - t²' becomes '(1 - t²)'."""
    return f"({formula})" if (" + " in formula or " - " in formula) else formula


def _as_tuple(grads: Any) -> tuple:
    return grads if type(grads) is tuple else (grads,)


def _check_root(root: Any, who: str) -> None:
    if not isinstance(root, Node):
        raise TypeError(
            f"{who}: expected the Value or Tensor at the end of a computation, got {type(root).__name__}"
        )
    if not root.requires_grad:
        raise ValueError(
            f"{who}: this node does not require grad, so no gradient flows through its graph. "
            "Build it from Values (or Tensors with requires_grad=True) outside no_grad()."
        )


class _GraphStepper(widgets.VBox):
    """The widget shared by both steppers: buttons, a play control, the picture and the rule."""

    _verb = "fill in"

    def __init__(
        self,
        root: Node,
        plan: StepPlan,
        *,
        rankdir: str = "LR",
        max_nodes: int = 150,
        module: Any = None,
        params: Mapping[str, Node] | None = None,
        interval_ms: int = 800,
    ):
        super().__init__()
        self.root = root
        self.plan = plan
        self.order: list[Node] = plan.order
        self._options = DrawOptions(rankdir=rankdir, max_nodes=max_nodes, grad_name=plan.value_name)
        has_names = module is not None or params is not None
        self._param_names = collect_names(module, params) if has_names else None
        self._pictures: dict[int, str] = {}
        # Constants are drawn with their value only; every other node shows its name.
        self._display_names = {
            id(n): plan.names[id(n)]
            for n in topological_order([root], all_nodes=True)
            if n.requires_grad or n.label
        }

        self.step_button = widgets.Button(description="Step ▶", tooltip="fill in the next node")
        self.back_button = widgets.Button(description="◀ Back", tooltip="undo the last step")
        self.reset_button = widgets.Button(description="Reset", tooltip="blank every node again")
        self.play = widgets.Play(
            value=0, min=0, max=len(self.order), step=1, interval=interval_ms, description="Play"
        )
        self.speed = widgets.IntSlider(
            value=interval_ms, min=100, max=3000, step=100, description="ms / step"
        )
        widgets.link((self.speed, "value"), (self.play, "interval"))
        self.status = widgets.HTML()
        self.rule = widgets.HTML()
        self.picture = widgets.HTML()
        for button in (self.step_button, self.back_button, self.reset_button):
            button.add_class("mg-stepper-button")
        self.picture.add_class("mg-stepper-picture")
        self.rule.add_class("mg-stepper-rule")
        self.status.add_class("mg-stepper-status")

        self.step_button.on_click(lambda _: self.step())
        self.back_button.on_click(lambda _: self.back())
        self.reset_button.on_click(lambda _: self.reset())
        self.play.observe(lambda _: self._show(), names="value")
        controls = widgets.HBox(
            [self.step_button, self.back_button, self.play, self.speed, self.reset_button]
        )
        self.children = [controls, self.status, self.rule, self.picture]
        self._show()

    # ---- state, for learners and tests --------------------------------------------------
    @property
    def position(self) -> int:
        """How many nodes are filled in (0 = none, len(order) = all)."""
        return int(self.play.value)

    @property
    def shown(self) -> dict[str, Any]:
        """{node name: number} for the nodes filled in so far, in visiting order."""
        names = self.plan.names
        return {names[id(n)]: v for n, v in zip(self.order[: self.position], self.plan.values)}

    @property
    def current_rule(self) -> str:
        """The rule applied at the last step ('' before the first step)."""
        return self.plan.rules[self.position - 1] if self.position else ""

    @property
    def svg(self) -> str:
        """The picture currently shown (SVG, or the DOT text when no renderer is installed)."""
        return self.picture.value

    def name_of(self, node: Node) -> str:
        """The name the stepper uses for `node` (its label, or v1, v2, ...)."""
        return self.plan.names[id(node)]

    # ---- actions -----------------------------------------------------------------------
    def step(self) -> None:
        """Fill in the next node."""
        self.go_to(self.position + 1)

    def back(self) -> None:
        """Blank the last node filled in."""
        self.go_to(self.position - 1)

    def reset(self) -> None:
        """Stop playing and blank every node."""
        self.play.playing = False
        self.go_to(0)

    def go_to(self, position: int) -> None:
        """Show the state after `position` steps (clipped to 0 .. len(order))."""
        self.play.value = max(0, min(int(position), len(self.order)))

    # ---- drawing -----------------------------------------------------------------------
    def _show(self) -> None:
        k = self.position
        n = len(self.order)
        # The picture first: the page then never shows a rule ahead of its picture.
        self.picture.value = self._picture(k)
        self.step_button.disabled = k >= n
        self.back_button.disabled = k <= 0
        if k == 0:
            self.status.value = f"<b>0 / {n}</b>: press Step to {self._verb} the first node."
            self.rule.value = ""
        else:
            name = html.escape(self.plan.names[id(self.order[k - 1])])
            self.status.value = f"<b>{k} / {n}</b>: node <b>{name}</b> (outlined in red)"
            self.rule.value = (
                '<code style="font-size:1.15em">' + html.escape(self.plan.rules[k - 1]) + "</code>"
            )

    def _picture(self, k: int) -> str:
        if k not in self._pictures:
            known = {id(node): v for node, v in zip(self.order[:k], self.plan.values)}
            graph = build_dot(
                self.root,
                self._options,
                names=self._param_names,
                grad_of=lambda node: known.get(id(node), BLANK),
                display_names=self._display_names,
                highlight={id(self.order[k - 1])} if k else set(),
            )
            self._pictures[k] = _as_html(Drawing(graph))
        return self._pictures[k]


def _as_html(drawing: Drawing) -> str:
    """Inline SVG for the page, or the DOT text with an install hint when it cannot be drawn."""
    try:
        svg = drawing.svg()
        svg = svg[svg.find("<svg") :]
        # Scale down to the page width (keeping the aspect ratio) instead of scrolling sideways.
        svg = re.sub(
            r'^<svg width="([\d.]+)pt" height="[\d.]+pt"',
            r'<svg style="width:100%; max-width:\1pt; height:auto"',
            svg,
            count=1,
        )
        return '<div style="overflow:auto">' + svg + "</div>"
    except RendererNotFoundError:
        problem = INSTALL_HINT
    except Exception as err:  # noqa: BLE001 - the widget must keep working without a picture
        problem = f"Graphviz could not draw this graph ({type(err).__name__}: {err})."
    return f"<p><b>{html.escape(problem)}</b></p><pre>{html.escape(drawing.source)}</pre>"


class BackwardStepper(_GraphStepper):
    """Reverse mode, one node per step: adjoints ∂L/∂node from the output back to the inputs.

    >>> stepper = mg.widgets.BackwardStepper(L)   # shows itself in Jupyter
    >>> stepper.step(); stepper.current_rule
    '∂L/∂L = 1   (the seed: start of the backward pass)'

    Options: `rankdir`, `max_nodes`, `module`/`params` (as in `mg.draw`), `interval_ms`.
    The learner's `.grad`s are not changed.
    """

    def __init__(self, root: Node, **options: Any):
        super().__init__(root, backward_plan(root), **options)

    @property
    def shown_adjoints(self) -> dict[str, Any]:
        """{node name: ∂L/∂node} for the nodes filled in so far."""
        return self.shown


class ForwardStepper(_GraphStepper):
    """Forward mode, one node per step: tangents ∂node/∂x from the inputs to the output.

    `ForwardStepper(L, wrt=x)` seeds ∂x/∂x = 1 (or `tangent=`) and every other input with 0,
    then pushes the tangent through each operation's jvp rule.
    """

    _verb = "push the tangent into"

    def __init__(self, root: Node, wrt: Node, tangent: Any = None, **options: Any):
        super().__init__(root, forward_plan(root, wrt, tangent), **options)
        self.wrt = wrt

    @property
    def shown_tangents(self) -> dict[str, Any]:
        """{node name: ∂node/∂wrt} for the nodes filled in so far."""
        return self.shown
