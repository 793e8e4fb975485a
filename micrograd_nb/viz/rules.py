"""Local derivatives written as formulas, for explaining a step of the chain rule.

`local_formula(child, i, names)` gives ∂child/∂(input i) in terms of the inputs' names, e.g.
"w" for z = s·w with respect to s, or "2·z" for L = z**2. Operations without an entry here
are written generically (∂z/∂s) and still get their numbers from their `backward`/`jvp` rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..autograd import Node
from .format import format_number

#: d out/d a of one-input operations, in terms of the input `a` and the output `out`
UNARY_DERIVATIVES = {
    "exp": "exp({a})",
    "log": "1/{a}",
    "sqrt": "1/(2·√{a})",
    "tanh": "1 - {out}²",
    "sigmoid": "{out}·(1 - {out})",
    "relu": "[{a} > 0]",
    "abs": "sign({a})",
}


def local_formula(child: Node, index: int, names: Sequence[str], out: str) -> str | None:
    """∂child/∂inputs[index] as text; `names` are the inputs' names, `out` the child's."""
    op = child.op
    n = len(names)
    a = names[0] if n else "?"
    b = names[1] if n > 1 else "?"
    if op == "+":
        return "1"
    if op == "-":
        return "1" if index == 0 else "-1"
    if op == "neg":
        return "-1"
    if op == "*":
        return names[1 - index] if n == 2 else None
    if op == "/":
        return f"1/{b}" if index == 0 else f"-{a}/{b}²"
    if op == "**":
        options = getattr(child._ctx, "options", None) or {}
        if "exponent" in options:
            p = float(options["exponent"])
            q = p - 1
            power = "" if q == 1 else f"^{format_number(q)}"
            return f"{format_number(p)}·{a}{power}"
        return f"{b}·{a}^({b}-1)" if index == 0 else f"{a}^{b}·ln({a})"
    if op in UNARY_DERIVATIVES:
        return UNARY_DERIVATIVES[op].format(a=a, out=out)
    if op == "Σw·x+b":
        k = (n - 1) // 2  # inputs are w₁..wₖ, x₁..xₖ, b
        if index == n - 1:
            return "1"
        return names[index + k] if index < k else names[index - k]
    return None


def derivative_symbol(of: str, wrt: str) -> str:
    """∂of/∂wrt, with parentheses around names that are not a single token."""
    return f"∂{_wrap(of)}/∂{_wrap(wrt)}"


def _wrap(name: str) -> str:
    return (
        name if name.replace("_", "").replace("[", "").replace("]", "").isalnum() else f"({name})"
    )
