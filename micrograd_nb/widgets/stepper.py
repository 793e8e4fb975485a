"""Step through the chain rule one node at a time: `BackwardStepper` and `ForwardStepper`.

The graph is drawn with every adjoint (or tangent) blank. Each "Step" fills in one node, in
the order the engine visits it, highlights it and shows the local rule that produced the
number, e.g. `∂L/∂s = ∂L/∂z · w = 40 · 4 = 160`. The steps themselves (order, numbers, rules)
are planned without widgets by `mg.viz.steps` (`mg.backward_steps`, `mg.forward_steps`);
this module only shows them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..autograd import Node, topological_order
from ..viz.clusters import collect_names
from ..viz.dot import BLANK, DrawOptions, build_dot
from ..viz.drawing import Drawing
from ..viz.render import INSTALL_HINT, RendererNotFoundError
from ..viz.steps import (
    StepPlan,
    backward_steps,
    check_root,
    check_wrt,
    forward_steps,
    node_names,
)

# The planning's earlier names, from when it lived in this module.
backward_plan = backward_steps
forward_plan = forward_steps

__all__ = ["BackwardStepper", "ForwardStepper", "StepPlan", "node_names"]


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
        check_root(root, "BackwardStepper")
        super().__init__(root, backward_steps(root), **options)

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
        check_root(root, "ForwardStepper")
        check_wrt(topological_order([root]), wrt, "ForwardStepper")
        super().__init__(root, forward_steps(root, wrt, tangent), **options)
        self.wrt = wrt

    @property
    def shown_tangents(self) -> dict[str, Any]:
        """{node name: ∂node/∂wrt} for the nodes filled in so far."""
        return self.shown
