"""`GraphView`: an interactive picture of a computation graph too big to read as a static one.

Graphviz runs in the browser, compiled to WebAssembly (the unmodified `@hpcc-js/wasm-graphviz`
build that the `easydot` package ships), so neither a `dot` program nor the Python renderer
is needed. Drag to pan, wheel or buttons to zoom, click a module's title to collapse it into
one box (click the box to expand it), click a value to see its data, its grad and the backward
rule that produced the grad. Where widgets cannot run (nbval, nbconvert, a terminal) the
static picture of `mg.draw` is shown instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..autograd import Node
from ..viz.clusters import ParameterNames, collect_names
from ..viz.dot import DrawOptions, build_dot, op_text
from ..viz.drawing import draw
from ..viz.format import format_grad, format_shape, format_values
from ..viz.formulas import derivative_symbol, local_formula
from ..viz.steps import backward_steps, node_names

#: the Graphviz WebAssembly module, as an ES module text (sent to the browser once per view)
GRAPHVIZ_MODULE = ("easydot", "assets/index.js")
#: nodes drawn by the static picture shown where widgets cannot run
FALLBACK_NODES = 150

_CSS = """
.mg-graph-view { border: 1px solid #ccc; border-radius: 4px; font: 13px sans-serif; }
.mg-graph-toolbar { display: flex; gap: 4px; align-items: center; padding: 4px;
  border-bottom: 1px solid #ddd; background: #fafafa; }
.mg-graph-button { min-width: 2.2em; cursor: pointer; }
.mg-graph-status { margin-left: 8px; color: #555; }
.mg-graph-body { display: flex; height: 520px; }
.mg-graph-canvas { flex: 1; overflow: hidden; cursor: grab; touch-action: none; }
.mg-graph-canvas svg { width: 100%; height: 100%; }
.mg-graph-info { width: 300px; overflow: auto; padding: 6px; border-left: 1px solid #ddd; }
.mg-graph-info pre { white-space: pre-wrap; margin: 2px 0 8px; font-size: 12px; }
.mg-graph-info-title { font-weight: bold; margin-bottom: 6px; }
.mg-graph-view g.node { cursor: pointer; }
.mg-graph-view g.mg-collapsible > text { cursor: zoom-out; }
.mg-graph-view g.mg-collapsible:hover > path { stroke: #1f77b4; stroke-width: 2; }
.mg-graph-view g.mg-collapsible > text:hover { fill: #1f77b4; text-decoration: underline; }
.mg-graph-view g.mg-selected > polygon, .mg-graph-view g.mg-selected > path,
.mg-graph-view g.mg-selected > ellipse { stroke: #1f77b4; stroke-width: 4; }
"""


def graphviz_module_source() -> str:
    """The text of the Graphviz WebAssembly ES module shipped by the `easydot` package."""
    package, path = GRAPHVIZ_MODULE
    try:
        return files(package).joinpath(path).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as err:
        raise ImportError(
            "GraphView lays graphs out with the Graphviz WebAssembly module of the `easydot` "
            "package: run `pip install 'easydot>=0.4,<0.5'` (it is a dependency of micrograd_nb)"
        ) from err


def grad_rules(root: Node, names: dict[int, str]) -> dict[int, str]:
    """id(node) -> the backward rule that gives its grad, as `mg.backward_steps` writes it."""
    if not root.requires_grad:
        return {}
    plan = backward_steps(root, names)
    return {id(node): rule for node, rule in zip(plan.order, plan.rules)}


def parameter_names(names: ParameterNames) -> dict[int, str]:
    """id(parameter) -> its full dotted name ("layers.0.weight")."""
    return {
        key: f"{names.module_of[key]}.{short}" if names.module_of.get(key) else short
        for key, short in names.name_of.items()
    }


def _node_entries(graph, display: dict[int, str], rules: dict[int, str]) -> dict[str, dict]:
    """What the info panel shows for each value node and each operation node."""
    entries: dict[str, dict] = {}
    for node in graph.nodes:
        nid = graph.node_ids[id(node)]
        name = display.get(id(node), nid)
        shape = (
            ""
            if isinstance(node.data, (int, float))
            else f" {format_shape(node.shape)} {node.dtype}"
        )
        kind = "leaf" if node.is_leaf else f"made by {op_text(node)}"
        entries[nid] = {
            "title": f"{name}{shape} ({kind})",
            "data": format_values(node.data),
            "grad": format_grad(node.grad) if node.requires_grad else "no gradient (constant)",
            "rule": rules.get(id(node), ""),
        }
    for node in graph.nodes:
        ctx = node._ctx
        if ctx is None:
            continue
        me = display[id(node)]
        inputs = [display.get(id(x), "?") for x in ctx.inputs]
        lines = [
            f"{derivative_symbol(me, x)} = {local_formula(node, i, inputs, me) or '(its backward rule)'}"
            for i, x in enumerate(inputs)
        ]
        entries[f"{graph.node_ids[id(node)]}_op"] = {
            "title": f"operation {op_text(node)} → {me}",
            "rule": "\n".join(lines),
        }
    return entries


class GraphView(anywidget.AnyWidget):
    """An interactive, browser-laid-out picture of the graph that computed `root`."""

    _esm = Path(__file__).parent / "static" / "graph_view.js"
    _css = _CSS

    dot_source = traitlets.Unicode("").tag(sync=True)
    #: module paths drawn collapsed into one box each
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: every module path of the drawing -> its title ("layers.0 (Linear)"); those without
    #: sub-modules in the drawing (a layer, a neuron), which "collapse all" collapses
    modules = traitlets.Dict().tag(sync=True)
    innermost = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: DOT cluster name -> module path, and collapsed box name -> module path, of the current DOT
    clusters = traitlets.Dict().tag(sync=True)
    boxes = traitlets.Dict().tag(sync=True)
    #: DOT node name -> {"title", "data", "grad", "rule"} for the info panel
    nodes = traitlets.Dict().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    #: set by the browser: how far the view is zoomed in, and how many layouts it has drawn
    zoom = traitlets.Float(1.0).tag(sync=True)
    renders = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    _graphviz_module = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        root: Node,
        *,
        module: Any = None,
        params: Mapping[str, Node] | None = None,
        max_nodes: int = 1000,
        rankdir: str = "LR",
        collapsed: Iterable[str] = (),
    ):
        if not isinstance(root, Node):
            raise TypeError(f"GraphView: expected a Value or Tensor, got {type(root).__name__}")
        self._root = root
        self._module, self._params = module, params
        self._names = collect_names(module, params)
        self._options = DrawOptions(rankdir=rankdir, max_nodes=max_nodes, max_width=None)
        graph = build_dot(root, self._options, names=self._names)
        self._shown, self._total = graph.shown, graph.total
        display = {**node_names(root), **parameter_names(self._names)}
        paths = sorted(graph.cluster_paths.values())
        super().__init__(
            dot_source=graph.source,
            modules={path: self._names.titles.get(path, path) for path in paths},
            innermost=[p for p in paths if not any(q.startswith(p + ".") for q in paths)],
            clusters=graph.cluster_paths,
            nodes=_node_entries(graph, display, grad_rules(root, display)),
            _graphviz_module=graphviz_module_source(),
        )
        self.collapsed = sorted(set(collapsed))

    def collapse(self, *paths: str) -> None:
        """Collapse these modules ("layers.0", ...) into one box each."""
        unknown = [p for p in paths if p not in self.modules]
        if unknown:
            raise ValueError(
                f"GraphView: no module {unknown[0]!r} in this graph; "
                f"its modules are {sorted(self.modules)}"
            )
        self.collapsed = sorted(set(self.collapsed) | set(paths))

    def collapse_all(self) -> None:
        """Collapse every innermost module (each layer, or each neuron) into one box."""
        self.collapsed = list(self.innermost)

    def expand(self, *paths: str) -> None:
        """Expand these collapsed modules (all of them when called without arguments)."""
        self.collapsed = sorted(set(self.collapsed) - set(paths)) if paths else []

    @traitlets.observe("collapsed")
    def _redraw(self, change) -> None:
        graph = build_dot(
            self._root, self._options, names=self._names, collapsed=frozenset(self.collapsed)
        )
        with self.hold_sync():
            self.boxes = graph.collapsed_paths
            self.clusters = graph.cluster_paths
            self.dot_source = graph.source

    def static(self):
        """The static picture of the same graph (`mg.draw`), at most FALLBACK_NODES nodes."""
        return draw(
            self._root,
            module=self._module,
            params=self._params,
            max_nodes=min(FALLBACK_NODES, self._options.max_nodes),
            rankdir=self._options.rankdir,
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        # Front ends without a widget manager (nbval, nbconvert, GitHub) show the static SVG;
        # JupyterLab and Voilà prefer the widget view.
        static = self.static()._repr_mimebundle_()
        data = {**{k: v for k, v in static.items() if k != "text/plain"}, **data}
        return data, metadata

    def __repr__(self) -> str:
        return (
            f"<GraphView of {self._shown} of {self._total} nodes; "
            f"{len(self.modules)} modules, {len(self.collapsed)} collapsed>"
        )
