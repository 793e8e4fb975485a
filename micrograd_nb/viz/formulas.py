"""Local derivatives as text, for explaining a step of the chain rule (read from the op's class).

`local_formula(child, i, names, out)` gives ∂child/∂(input i) in terms of the inputs' names,
e.g. "w" for z = s·w with respect to s, or "2·z" for L = z**2. The text comes from the
operation's own class (`Function.formulas`), where its backward rule is; operations whose
formulas are not local derivatives are written generically (∂z/∂s).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..autograd import Node


def local_formula(child: Node, index: int, names: Sequence[str], out: str) -> str | None:
    """∂child/∂inputs[index] as text; `names` are the inputs' names, `out` the child's."""
    ctx = child._ctx
    if ctx is None or not ctx.fn.formulas_are_partials:
        return None
    # a negative constant reads as one factor: -(-2)/b², not --2/b²; 1/(-2), not 1/-2
    names = [f"({name})" if name.startswith("-") else name for name in names]
    return ctx.fn.formula(index, names, out, getattr(ctx, "options", None) or {})


def derivative_symbol(of: str, wrt: str) -> str:
    """∂of/∂wrt, with parentheses around names that are not a single token."""
    return f"∂{_wrap(of)}/∂{_wrap(wrt)}"


def _wrap(name: str) -> str:
    return (
        name if name.replace("_", "").replace("[", "").replace("]", "").isalnum() else f"({name})"
    )
