"""Group a drawing by `nn` module: parameter names -> nested clusters ("layers.0", ...).

A parameter named "layers.0.weight" lives in module "layers.0"; micrograd-style list
parameters ("layers.1.neurons.0.w.2") live in "layers.1.neurons.0" and are shown as "w[2]".
Each parameter and every operation that uses a parameter directly (W @ x, + b, Σw·x+b) is drawn
inside its module's cluster; activations, losses and inputs stay outside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..autograd import Node


@dataclass
class ParameterNames:
    """Which module each parameter node belongs to and what it is called there."""

    module_of: dict[int, str] = field(default_factory=dict)  # id(node) -> "layers.0"
    name_of: dict[int, str] = field(default_factory=dict)  # id(node) -> "weight" / "w[2]"
    titles: dict[str, str] = field(default_factory=dict)  # "layers.0" -> "layers.0 (Linear)"


def named_parameters(module: Any) -> list[tuple[str, Node]]:
    """(dotted name, node) pairs of a module: its `named_parameters()`, else found by walking.

    The walk handles micrograd-style modules that only have attributes and lists of Values
    (e.g. `micrograd_nb.nn.scalar.MLP`): `layers.0.neurons.1.w.0`. It is iterative and visits
    each object once.
    """
    if hasattr(module, "named_parameters"):
        return [(str(name), p) for name, p in module.named_parameters()]
    found: list[tuple[str, Node]] = []
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", module)]
    while stack:
        prefix, obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Node):
            if prefix:
                found.append((prefix, obj))
            continue
        if isinstance(obj, (list, tuple)):
            children = [(str(i), item) for i, item in enumerate(obj)]
        elif isinstance(obj, dict):
            children = [(str(k), v) for k, v in obj.items()]
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            children = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
        else:
            continue
        # Reversed so that the stack pops children in their natural order.
        for key, child in reversed(children):
            stack.append((f"{prefix}.{key}" if prefix else key, child))
    return found


def split_name(dotted: str) -> tuple[str, str]:
    """("layers.0", "weight") from "layers.0.weight"; ("layers.1.neurons.0", "w[2]") from "...w.2"."""
    parts = dotted.split(".")
    indices: list[str] = []
    while len(parts) > 1 and parts[-1].isdigit():
        indices.insert(0, parts.pop())
    attribute = parts.pop()
    return ".".join(parts), attribute + "".join(f"[{i}]" for i in indices)


def collect_names(
    module: Any = None, params: Mapping[str, Node] | Iterable[tuple[str, Node]] | None = None
) -> ParameterNames:
    """Parameter names from a module (anything with `named_parameters()`) and/or a dict."""
    pairs: list[tuple[str, Node]] = []
    if module is not None:
        pairs.extend(named_parameters(module))
    if params is not None:
        pairs.extend(params.items() if isinstance(params, Mapping) else params)
    names = ParameterNames()
    for dotted, node in pairs:
        if not isinstance(node, Node):
            raise TypeError(
                f"draw: parameter {dotted!r} is a {type(node).__name__}, not a Value or Tensor"
            )
        path, short = split_name(dotted)
        names.module_of[id(node)] = path
        names.name_of[id(node)] = short
    for path in set(names.module_of.values()):
        prefix = ""
        for part in path.split(".") if path else []:
            prefix = f"{prefix}.{part}" if prefix else part
            if prefix not in names.titles:
                names.titles[prefix] = _title(module, prefix)
    return names


def common_module(paths: Iterable[str]) -> str:
    """The deepest module containing all of `paths` ('' = the model itself)."""
    paths = list(paths)
    if not paths:
        return ""
    common = paths[0].split(".") if paths[0] else []
    for path in paths[1:]:
        parts = path.split(".") if path else []
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return ".".join(common)


def _title(module: Any, path: str) -> str:
    """'layers.0 (Linear)' when the sub-module can be found on `module`, else the path."""
    obj = module
    for part in path.split("."):
        if obj is None:
            break
        try:
            obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            obj = None
    if obj is None or isinstance(obj, (list, tuple, dict)):
        return path
    return f"{path} ({type(obj).__name__})"
