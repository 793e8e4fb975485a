"""Persistent matplotlib figures rendered to PNG bytes for an `ipywidgets.Image`.

The widgets keep one Figure each and change its lines in place; a redraw renders it with Agg
and hands the PNG to an Image widget. This needs no interactive matplotlib backend, shows in
JupyterLab, classic Notebook and Voilà alike, and costs one Agg render per redraw. The figures
are created without pyplot, so they never pop up on their own and hold no global state.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: dots per inch of the widget pictures: sharp enough, cheap to render
DPI = 80


def new_figure(width: float, height: float, ncols: int = 1, nrows: int = 1, **adjust):
    """(figure, axes) with an Agg canvas attached, axes flattened to a list.

    Fixed margins (`adjust` goes to `subplots_adjust`) instead of a layout engine: the layout
    would be recomputed at every redraw, and the widgets redraw a lot.
    """
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    margins = dict(left=0.08, right=0.98, bottom=0.16, top=0.84, wspace=0.22, hspace=0.45)
    margins.update(adjust)
    fig.subplots_adjust(**margins)
    return fig, list(axes.ravel())


def _short_power(value: float, _position=None) -> str:
    """Tick label 1e-7 / 1 / 1e+3 in plain text (mathtext labels cost most of a redraw)."""
    if value <= 0:
        return ""
    exponent = int(round(np.log10(value)))
    return "1" if exponent == 0 else f"1e{exponent}"


def log_axis(ax, axis: str = "y") -> None:
    """Log scale with a few plain-text decade ticks and no minor ticks (fast to draw)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_locator(ticker.LogLocator(base=10, numticks=6))
    target.set_minor_locator(ticker.NullLocator())
    target.set_major_formatter(ticker.FuncFormatter(_short_power))


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes (fast, light compression: the picture lives only on screen)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def positive_or_nan(values) -> np.ndarray:
    """Values for a log axis: zeros, negatives, NaN and inf become NaN (drawn as gaps)."""
    array = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(array) & (array > 0), array, np.nan)


def set_log_limits(ax, values, pad: float = 3.0) -> None:
    """Fit a log y-axis around the finite positive values (factor `pad` of room on each side)."""
    finite = positive_or_nan(values)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        ax.set_ylim(1e-8, 1.0)
        return
    low, high = float(finite.min()) / pad, float(finite.max()) * pad
    ax.set_ylim(max(low, 1e-300), min(high, 1e300))
