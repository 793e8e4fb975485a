"""Gradient magnitude -> fill colour on a log scale (one colour per two decades), and its legend.

The scale is absolute, not relative to the graph, so the same colour means the same size of
gradient in every picture: deep blue is a vanishing gradient, deep red an exploding one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: bin edges of |grad| (a tensor's L2 norm); a magnitude m falls in the first bin with m < edge
EDGES = (1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4)
#: light-to-strong blue -> yellow -> red (ColorBrewer RdYlBu, reversed): small -> large
PALETTE = ("#4575b4", "#91bfdb", "#e0f3f8", "#ffffbf", "#fee090", "#fc8d59", "#d73027")
#: fills whose text is drawn white for contrast
DARK = {"#4575b4", "#d73027", "#000000"}
ZERO_COLOR = "#d9d9d9"  # exactly zero: no gradient reaches this node
NONFINITE_COLOR = "#000000"  # nan or inf
NO_GRAD_COLOR = "#ffffff"  # no gradient computed (yet)


@dataclass(frozen=True)
class Swatch:
    """One legend entry: a fill colour and what it means."""

    color: str
    text: str


def grad_magnitude(grad) -> float | None:
    """|grad| for a number, the L2 norm ‖grad‖ for an array, None when there is no gradient."""
    if grad is None:
        return None
    if isinstance(grad, (int, float)):
        return abs(float(grad))
    array = np.asarray(grad, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        return math.inf
    return float(np.sqrt(np.sum(array * array)))


def grad_color(grad) -> str:
    """The fill colour of a node whose gradient is `grad`."""
    magnitude = grad_magnitude(grad)
    if magnitude is None:
        return NO_GRAD_COLOR
    if math.isnan(magnitude) or math.isinf(magnitude):
        return NONFINITE_COLOR
    if magnitude == 0:
        return ZERO_COLOR
    for edge, color in zip(EDGES, PALETTE):
        if magnitude < edge:
            return color
    return PALETTE[-1]


def font_color(fill: str) -> str:
    """Black text on light fills, white on dark ones."""
    return "white" if fill in DARK else "black"


def legend_swatches() -> list[Swatch]:
    """Every colour of the scale with the range of |grad| it stands for, smallest first."""
    swatches = [Swatch(PALETTE[0], f"|grad| < {_power(EDGES[0])}")]
    for low, high, color in zip(EDGES, EDGES[1:], PALETTE[1:]):
        swatches.append(Swatch(color, f"{_power(low)} … {_power(high)}"))
    swatches.append(Swatch(PALETTE[-1], f"≥ {_power(EDGES[-1])}"))
    swatches.append(Swatch(ZERO_COLOR, "exactly 0"))
    swatches.append(Swatch(NONFINITE_COLOR, "nan / inf"))
    return swatches


def legend_table(grad_name: str = "grad", title: str = "") -> str:
    """An HTML-like table (one row of swatches) explaining the colour scale and the shapes.

    It is used as the graph's own label, so it sits above the drawing without taking part in
    the layout (as a node it would widen the first rank and stretch every edge leaving it).
    """
    swatches = legend_swatches()
    cells = "".join(
        f'<td bgcolor="{s.color}"><font color="{font_color(s.color)}">'
        f"{_html(s.text.replace('grad', grad_name))}</font></td>"
        for s in swatches
    )
    n = len(swatches)
    rows = (
        [f'<tr><td colspan="{n}" border="0"><font point-size="14">{_html(title)}</font></td></tr>']
        if title
        else []
    )
    rows += [
        f'<tr><td colspan="{n}"><b>colour = |{grad_name}| (log scale; a tensor\'s L2 norm)</b></td></tr>',
        f"<tr>{cells}</tr>",
        f'<tr><td colspan="{n}">rounded bold box: leaf (parameter or input) · square box: '
        "intermediate · dashed box: constant (no gradient)</td></tr>",
    ]
    return (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        + "".join(rows)
        + "</table>"
    )


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _power(x: float) -> str:
    """1e-6, 0.01, 1, 100 ... as printed in the legend."""
    exponent = round(math.log10(x))
    return str(int(x)) if 0 <= exponent <= 2 else f"1e{exponent}"
