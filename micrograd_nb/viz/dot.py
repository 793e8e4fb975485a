"""DOT text for a computation graph: value nodes, operation nodes, clusters, broadcast marks.

Reads only the node protocol (`parents`, `op`, `_ctx.options`, `label`, `data`, `grad`,
`is_leaf`, `requires_grad`) and walks the graph iteratively, so any depth is fine.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Node, topological_order
from . import colors
from .clusters import ParameterNames, common_module
from .collapse import collapse_modules, edge_lines
from .format import dot_string as _escape
from .format import format_grad, format_number, format_shape, format_values, shorten

#: stands for "this adjoint is not known yet" (the stepper draws such fields empty)
BLANK = object()

HIGHLIGHT_COLOR = "#d62728"
BROADCAST_COLOR = "#e6550d"
FAILED_FILL = "#fde0dd"
#: Graphviz attributes of the red node of an operation that raised
FAILED_STYLE = (
    f'shape=box, style="filled,bold", fillcolor="{FAILED_FILL}", color="{HIGHLIGHT_COLOR}", '
    'fontcolor="#67000d", penwidth=3'
)


@dataclass
class DrawOptions:
    """What to show; see `micrograd_nb.draw` for the meaning of each option."""

    rankdir: str = "LR"
    show_data: bool = True
    show_grad: bool = True
    max_nodes: int = 150
    legend: bool = True
    grad_name: str = "grad"
    max_width: float | None = 10.0  # inches; graphviz scales larger pictures down to this

    def __post_init__(self):
        if self.rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(
                f"draw: rankdir must be 'LR' or 'TB' (or 'RL'/'BT'), got {self.rankdir!r}"
            )
        if int(self.max_nodes) < 1:
            raise ValueError(f"draw: max_nodes must be at least 1, got {self.max_nodes}")


@dataclass
class FailureMark:
    """An operation that raised, drawn red: fed by `inputs` (forward), or `op_of`'s operation."""

    label: str
    inputs: Sequence[Node] = ()  # forward: a red node with an edge from each input
    op_of: Node | None = None  # backward: the node whose operation's rule raised


@dataclass
class DotGraph:
    """The DOT source plus what the drawing contains."""

    source: str
    node_ids: dict[int, str] = field(default_factory=dict)  # id(node) -> DOT node name
    shown: int = 0  # value nodes drawn
    total: int = 0  # value nodes in the graph
    cluster_paths: dict[str, str] = field(default_factory=dict)  # "cluster_2" -> "layers.0"
    collapsed_paths: dict[str, str] = field(default_factory=dict)  # "collapsed_0" -> "layers.0"
    nodes: list = field(default_factory=list)  # the value nodes drawn, in the order of node_ids


def _size(options: DrawOptions) -> str:
    """Graphviz `size` attribute: shrink (never grow) the drawing to `max_width` inches wide."""
    if options.max_width is None:
        return ""
    return f', size="{float(options.max_width):g},1000"'


def nearest_nodes(roots: Sequence[Node], limit: int) -> tuple[list[Node], int]:
    """Up to `limit` nodes closest to the roots (breadth-first over parents), and the total count."""
    seen = {id(r) for r in roots}
    unique_roots = list({id(r): r for r in roots}.values())
    queue = deque(unique_roots)
    kept: list[Node] = []
    total = 0
    while queue:
        node = queue.popleft()
        total += 1
        if len(kept) < limit:
            kept.append(node)
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.inputs:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    queue.append(parent)
    return kept, total


def op_text(node: Node) -> str:
    """The operation as shown in its node: '+', '**2', 'sum(axis=1)', 'Σw·x+b'."""
    ctx = node._ctx
    name = node.op
    options = getattr(ctx, "options", None) or {}
    if "exponent" in options and len(options) == 1:
        return f"{name}{format_number(options['exponent'])}"
    shown = [
        f"{key}={shorten(_option_text(value), 16)}"
        for key, value in options.items()
        if value is not None and value is not False
    ]
    return f"{name}({', '.join(shown)})" if shown else name


def is_broadcast(parent: Node, child: Node) -> bool:
    """True when `parent` was broadcast up to `child`'s shape (so its gradient is summed back)."""
    if child._ctx is not None and child._ctx.fn.joins_inputs:
        return False  # each input fills its own slice; nothing is copied or summed back
    parent_shape, child_shape = tuple(parent.shape), tuple(child.shape)
    if parent_shape == child_shape:
        return False
    parent_size = int(np.prod(parent_shape))
    if parent_size >= int(np.prod(child_shape)):
        return False  # reshape, indexing, reductions: no summing over copies
    try:
        return np.broadcast_shapes(parent_shape, child_shape) == child_shape
    except ValueError:
        return False


def build_dot(
    roots: Node | Sequence[Node],
    options: DrawOptions | None = None,
    *,
    names: ParameterNames | None = None,
    grad_of: Callable[[Node], Any] | None = None,
    display_names: dict[int, str] | None = None,
    highlight: frozenset[int] | set[int] = frozenset(),
    title: str = "",
    failure: FailureMark | None = None,
    collapsed: frozenset[str] | set[str] = frozenset(),
) -> DotGraph:
    """The DOT text of the graph that produced `roots`.

    `grad_of(node)` replaces `node.grad` (the stepper passes adjoints found so far, `BLANK`
    for unknown ones); `display_names` gives nodes names to show; `highlight` holds ids of nodes
    to outline; `failure` marks an operation that raised; `collapsed` module paths are drawn
    as one box each.
    """
    if isinstance(roots, Node):
        roots = [roots]
    elif isinstance(roots, (list, tuple)):
        roots = list(roots)
    else:
        raise TypeError(f"draw: expected a Value or Tensor, got {type(roots).__name__}")
    for root in roots:
        if not isinstance(root, Node):
            raise TypeError(f"draw: expected a Value or Tensor, got {type(root).__name__}")
    options = options or DrawOptions()
    names = names or ParameterNames()
    display_names = display_names or {}
    grad_of = grad_of or (lambda n: n.grad)

    kept, total = nearest_nodes(roots, int(options.max_nodes))
    # Parents first in the text gives dot a natural left-to-right reading order.
    kept.reverse()
    node_ids = {id(node): f"n{i}" for i, node in enumerate(kept)}

    cluster_of = _assign_clusters(roots, kept, names) if names.module_of else {}

    lines_by_cluster: dict[str, list[str]] = {}
    edges: list[tuple[str, str, str]] = []  # (from, to, attributes)
    cut_ops: list[str] = []
    failed_op = id(failure.op_of) if failure is not None and failure.op_of is not None else None
    for node in kept:
        nid = node_ids[id(node)]
        lines = lines_by_cluster.setdefault(cluster_of.get(id(node), ""), [])
        lines.append(_value_node(node, nid, options, names, grad_of, display_names, highlight))
        ctx = node._ctx
        if ctx is None:
            continue
        if id(node) == failed_op:
            lines.append(f'  {nid}_op [label="{_escape(failure.label)}", {FAILED_STYLE}];\n')
        else:
            lines.append(f'  {nid}_op [label="{_escape(op_text(node))}", shape=ellipse];\n')
        edges.append((f"{nid}_op", nid, ""))
        cut = False
        for parent in ctx.inputs:
            pid = node_ids.get(id(parent))
            if pid is None:
                cut = True
                continue
            if parent.requires_grad and is_broadcast(parent, node):
                text = (
                    f"broadcast {format_shape(parent.shape)}→{format_shape(node.shape)}"
                    "\\ngrad summed back"
                )
                edges.append(
                    (
                        pid,
                        f"{nid}_op",
                        f' [color="{BROADCAST_COLOR}", fontcolor="{BROADCAST_COLOR}", '
                        f'penwidth=2.5, style=bold, label="{text}", fontsize=10]',
                    )
                )
            else:
                edges.append((pid, f"{nid}_op", ""))
        if cut:
            cut_ops.append(f"{nid}_op")
    if failure is not None and failure.op_of is None:
        _add_failed_node(failure, node_ids, cluster_of, names, lines_by_cluster, edges)
    alias, collapsed_paths = collapse_modules(
        collapsed, kept, node_ids, cluster_of, lines_by_cluster, names
    )

    out = [
        "digraph G {\n",
        f'  graph [rankdir={options.rankdir}, fontname="Helvetica", fontsize=12{_size(options)}];\n',
        '  node [fontname="Helvetica", fontsize=11];\n',
        '  edge [fontname="Helvetica", color="#555555"];\n',
    ]
    if options.show_grad and options.legend:
        legend = colors.legend_table(grad_name=options.grad_name, title=title)
        out.append(f'  labelloc="t";\n  fontsize=9;\n  label=<{legend}>;\n')
    elif title:
        out.append(f'  labelloc="t";\n  label="{_escape(title)}";\n')
    cluster_paths: dict[str, str] = {}
    out.extend(_clusters(lines_by_cluster, names, cluster_paths))
    out.extend(edge_lines(edges, alias))
    if cut_ops:
        hidden = total - len(kept)
        out.append(
            f'  more [shape=note, style=filled, fillcolor="#fff7bc", label="… {hidden:,} more nodes\\n'
            f'(graph has {total:,}; max_nodes={options.max_nodes})"];\n'
        )
        out.extend(edge_lines([("more", op, " [style=dashed]") for op in cut_ops], alias))
    out.append("}\n")
    return DotGraph("".join(out), node_ids, len(kept), total, cluster_paths, collapsed_paths, kept)


def _add_failed_node(failure, node_ids, cluster_of, names, lines_by_cluster, edges) -> None:
    """The red node of a failed forward, fed by each input, in the module of its parameters
    (a failing layer) or else of its inputs."""
    inputs = [x for x in failure.inputs if id(x) in node_ids]
    paths = [names.module_of[id(x)] for x in inputs if id(x) in names.module_of]
    paths = paths or [cluster_of[id(x)] for x in inputs if id(x) in cluster_of]
    cluster = common_module(paths) if paths else ""
    lines_by_cluster.setdefault(cluster, []).append(
        f'  failed [label="{_escape(failure.label)}", {FAILED_STYLE}];\n'
    )
    for position, node in enumerate(inputs):
        edges.append(
            (node_ids[id(node)], "failed", f' [color="{HIGHLIGHT_COLOR}", label="{position}"]')
        )


def _assign_clusters(roots: list[Node], kept: list[Node], names: ParameterNames) -> dict[int, str]:
    """id(node) -> module path: parameters, nodes computed from parameters alone (W.T), and
    the operations that use those directly (x @ W.T, + b). Everything else stays outside."""
    owner = dict(names.module_of)  # parameters and parameter-only results
    for node in topological_order(roots, all_nodes=True):
        ctx = node._ctx
        if ctx is None or id(node) in owner:
            continue
        # Scalar constants (W * 0.5) do not make a result depend on more than the parameter.
        parents = [p for p in ctx.inputs if p.requires_grad or np.size(p.data) != 1]
        if parents and all(id(p) in owner for p in parents):
            owner[id(node)] = common_module([owner[id(p)] for p in parents])
    cluster_of = {}
    for node in kept:
        key = id(node)
        if key in owner:
            cluster_of[key] = owner[key]
        elif node._ctx is not None:
            paths = [owner[id(p)] for p in node._ctx.inputs if id(p) in owner]
            if paths:
                cluster_of[key] = common_module(paths)
    return cluster_of


def _value_node(node, nid, options, names, grad_of, display_names, highlight) -> str:
    """One record node: name | shape dtype | data | grad, styled by kind and gradient."""
    key = id(node)
    fields = []
    name = display_names.get(key) or node.label or names.name_of.get(key, "")
    if name:
        fields.append(name)
    is_tensor = not isinstance(node.data, (int, float))
    if is_tensor:
        fields.append(f"{format_shape(node.shape)} {node.dtype}")
    if options.show_data:
        fields.append(f"data {format_values(node.data)}")
    fill = colors.NO_GRAD_COLOR
    if options.show_grad and node.requires_grad:
        grad = grad_of(node)
        if grad is BLANK:
            fields.append(f"{options.grad_name}  ?  ")
        else:
            fields.append(f"{options.grad_name} {format_grad(grad)}")
            fill = colors.grad_color(grad)
    if not fields:
        fields.append(" ")
    body = "|".join(_escape_record(f) for f in fields)
    label = "{" + body + "}" if options.rankdir in ("LR", "RL") else body
    attrs = [f'label="{label}"', f'fillcolor="{fill}"', f'fontcolor="{colors.font_color(fill)}"']
    if not node.requires_grad:
        attrs.append('shape=record, style="filled,dashed", color="#888888"')
    elif node.is_leaf:
        attrs.append('shape=Mrecord, style="filled,bold", penwidth=2')
    else:
        attrs.append('shape=record, style="filled"')
    if key in highlight:
        attrs.append(f'color="{HIGHLIGHT_COLOR}", penwidth=4')
    return f"  {nid} [{', '.join(attrs)}];\n"


def _clusters(
    lines_by_cluster: dict[str, list[str]], names: ParameterNames, cluster_paths: dict[str, str]
) -> list[str]:
    """Nested `subgraph cluster_…` blocks, one per module path, in natural order.

    `cluster_paths` receives each cluster's DOT name and module path."""
    out = list(lines_by_cluster.get("", []))
    # Boxes for modules that hold drawn nodes, and for enclosing modules (Layer around Neuron);
    # plain containers (the list `layers`) would only add frames, so they are left out.
    paths = {path for path in lines_by_cluster if path}
    for path in list(paths):
        parts = path.split(".")
        for n in range(1, len(parts)):
            prefix = ".".join(parts[:n])
            if names.titles.get(prefix, prefix) != prefix:
                paths.add(prefix)
    open_paths: list[str] = []
    for i, path in enumerate(sorted(paths, key=_path_key)):
        while open_paths and not path.startswith(open_paths[-1] + "."):
            open_paths.pop()
            out.append("  }\n")
        open_paths.append(path)
        cluster_paths[f"cluster_{i}"] = path
        title = names.titles.get(path, path)
        out.append(
            f'  subgraph cluster_{i} {{\n  label="{_escape(title)}"; style="rounded,dashed"; '
            'color="#7f7f7f"; fontcolor="#404040";\n'
        )
        out.extend(lines_by_cluster.get(path, []))
    out.extend("  }\n" for _ in open_paths)
    return out


def _path_key(path: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in path.split("."))


def _option_text(value: Any) -> str:
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, np.ndarray):
        return f"array{format_shape(value.shape)}"
    return str(value)


def _escape_record(text: str) -> str:
    """Text inside one field of a record label ({, }, |, <, > and spaces at the ends are special)."""
    text = _escape(text)
    for ch in "{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text
