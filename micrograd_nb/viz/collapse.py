"""Collapse module clusters of a drawing: each collapsed module becomes one box.

Works on the pieces `build_dot` assembles (node lines per cluster, edges as tuples), so the
interactive graph view can collapse and expand `nn` modules without a second DOT writer.
"""

from __future__ import annotations

from ..autograd import Node
from .clusters import ParameterNames
from .format import dot_string as _escape


def collapse_modules(
    collapsed: frozenset[str] | set[str],
    kept: list[Node],
    node_ids: dict[int, str],
    cluster_of: dict[int, str],
    lines_by_cluster: dict[str, list[str]],
    names: ParameterNames,
) -> tuple[dict[str, str], dict[str, str]]:
    """Replace every node inside a collapsed module by one box; return (alias, box -> path).

    `alias` maps a DOT node name inside a collapsed module to its box; lines of those nodes are
    dropped. The outermost collapsed module wins when modules nest.
    """
    if not collapsed:
        return {}, {}
    outermost = sorted(collapsed, key=lambda p: p.count("."))
    inside: dict[str, list[Node]] = {}
    alias: dict[str, str] = {}
    for node in kept:
        path = cluster_of.get(id(node), "")
        owner = next((p for p in outermost if path == p or path.startswith(p + ".")), None)
        if owner is not None:
            inside.setdefault(owner, []).append(node)
    boxes: dict[str, str] = {}
    for k, (path, nodes) in enumerate(sorted(inside.items())):
        box = f"collapsed_{k}"
        boxes[box] = path
        for node in nodes:
            nid = node_ids[id(node)]
            alias[nid] = alias[f"{nid}_op"] = box
        for inner in [p for p in lines_by_cluster if p == path or p.startswith(path + ".")]:
            lines_by_cluster[inner] = [
                line
                for line in lines_by_cluster[inner]
                if line.split(" [", 1)[0].strip() not in alias
            ]
            if not lines_by_cluster[inner]:
                del lines_by_cluster[inner]
        # The box replaces the module's frame, unless something else (a failed node) stays in it.
        home = (
            path if path in lines_by_cluster else _enclosing_module(path, lines_by_cluster, names)
        )
        title = names.titles.get(path, path)
        lines_by_cluster.setdefault(home, []).insert(
            0,
            f'  {box} [label="⊞ {_escape(title)}\\n{len(nodes)} nodes", shape=box3d, '
            'style=filled, fillcolor="#eeeeee"];\n',
        )
    return alias, boxes


def _enclosing_module(path: str, lines_by_cluster: dict, names: ParameterNames) -> str:
    """The nearest enclosing module that is drawn as a frame ('' for the top level)."""
    parts = path.split(".")
    for n in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in lines_by_cluster or names.titles.get(prefix, prefix) != prefix:
            return prefix
    return ""


def edge_lines(edges: list[tuple[str, str, str]], alias: dict[str, str]) -> list[str]:
    """DOT edge statements; ends inside a collapsed module go to its box, once per pair."""
    lines, seen = [], set()
    boxes = set(alias.values())
    for start, end, attributes in edges:
        start, end = alias.get(start, start), alias.get(end, end)
        if start == end:
            continue  # both ends inside one collapsed module
        if start in boxes or end in boxes:
            if (start, end) in seen:
                continue
            seen.add((start, end))
            attributes = ""  # broadcast labels belong to edges that are no longer drawn
        lines.append(f"  {start} -> {end}{attributes};\n")
    return lines
