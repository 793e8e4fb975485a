"""The live loss and accuracy figure of `mg.fit`, and the rule that bounds what it costs.

One redraw (draw the figure, encode the PNG, send it to the notebook) takes tens to hundreds
of milliseconds, often longer than an epoch of a small model. Redrawing after every epoch, or
every half second measured between the starts of redraws, made the plot cost many times the
training. `RedrawBudget` counts the time the redraws themselves take and allows the next one
only while all of them, this one and the final one included, fit in `fraction` of the time
since training started. The final state is always drawn; on long runs the picture keeps moving,
about once per `mean draw cost / fraction` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: share of the training time the live plot may take
DRAW_BUDGET = 0.15
#: what a redraw is assumed to cost before the first one has been timed (seconds): a new
#: figure's first redraw in a kernel, sent to the notebook, measured 0.1-0.3 s
FIRST_DRAW_GUESS = 0.25


class RedrawBudget:
    """Allows a redraw when drawn + 2·(last draw's cost) ≤ fraction · elapsed (one kept for the end)."""

    def __init__(
        self,
        fraction: float = DRAW_BUDGET,
        min_interval: float = 0.5,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.fraction = fraction
        self.min_interval = min_interval  # the eye needs no more; spares the browser too
        self.clock = clock
        self.start = clock()
        self.spent = 0.0  # seconds spent drawing so far
        self.draws = 0
        # What the next redraw will probably cost: the last one's time (a slow first redraw,
        # which loads fonts, should not hold back the later ones twice: `spent` counts it).
        self.expected_cost = FIRST_DRAW_GUESS
        self._last_end = self.start

    def due(self) -> bool:
        """True when a redraw now keeps the drawing time within the budget."""
        now = self.clock()
        if now - self._last_end < self.min_interval:
            return False
        # Room for this redraw and, held in reserve, the final one that is always drawn.
        return self.spent + 2 * self.expected_cost <= self.fraction * (now - self.start)

    def run(self, draw: Callable[[], Any]) -> None:
        """Call `draw()` and charge the time it took to the budget."""
        begin = self.clock()
        try:
            draw()
        finally:
            self._last_end = self.clock()
            self.expected_cost = self._last_end - begin
            self.spent += self.expected_cost
            self.draws += 1


class LiveLossPlot:
    """Loss (log scale) and accuracy per epoch, redrawn in place while the budget allows."""

    def __init__(
        self,
        budget: RedrawBudget | None = None,
        show: Callable[[bytes], None] | None = None,
    ):
        self.budget = budget if budget is not None else RedrawBudget()
        self._show = show if show is not None else _DisplayHandle()
        self.fig = None

    def update(self, history, final: bool = False) -> bool:
        """Redraw from `history` if the budget allows it (always when `final`); True if drawn."""
        if not (final or self.budget.due()):
            return False
        self.budget.run(lambda: self._show(self.render(history)))
        return True

    def render(self, history) -> bytes:
        """The figure for `history` (a `mg.training.History`) as PNG bytes."""
        # matplotlib is imported on first use: `import micrograd_nb` stays light.
        from .widgets._figure import png_bytes, positive_or_nan

        if self.fig is None:
            self._create_figure()
        epochs = np.arange(1, len(history.loss) + 1)
        series = [
            (self.ax_loss, positive_or_nan(history.loss), positive_or_nan(history.val_loss)),
            (self.ax_acc, history.accuracy, history.val_accuracy),
        ]
        for ax, train, validation in series:
            for line, values in zip(ax.lines, (train, validation)):
                line.set_data(epochs[: len(values)], values)
            ax.relim()
            ax.autoscale_view()
            ax.set_xlim(0.5, len(epochs) + 0.5)
            if len(train) or len(validation):
                ax.legend(handles=[ln for ln in ax.lines if len(ln.get_xdata())], loc="best")
        self.ax_acc.set_visible(bool(len(history.accuracy) or len(history.val_accuracy)))
        _tick_log_axis(self.ax_loss, np.concatenate(series[0][1:]))
        return png_bytes(self.fig)

    def _create_figure(self) -> None:
        from matplotlib import ticker

        from .widgets._figure import new_figure

        # Fixed margins and lines updated in place: a layout engine or new artists per redraw
        # would double its cost.
        self.fig, (self.ax_loss, self.ax_acc) = new_figure(
            9, 3, ncols=2, left=0.1, right=0.98, bottom=0.17, top=0.95, wspace=0.25
        )
        for ax, ylabel in ((self.ax_loss, "loss"), (self.ax_acc, "accuracy")):
            ax.plot([], [], "o-", markersize=3, label="train")
            ax.plot([], [], "o-", markersize=3, label="validation")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
            ax.set_ylabel(ylabel)
        self.ax_loss.set_yscale("log")


def _tick_log_axis(ax, values: np.ndarray) -> None:
    """Log ticks at 10^k, more (2, 3, 5 × 10^k) over short ranges; plain labels (mathtext is slow)."""
    from matplotlib import ticker

    values = values[np.isfinite(values)]
    decades = np.log10(values.max() / values.min()) if values.size else 0.0
    subs = (1.0, 2.0, 3.0, 5.0) if decades < 1 else (1.0, 2.0, 5.0) if decades < 2 else (1.0,)
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=subs, numticks=8))
    ax.yaxis.set_minor_locator(ticker.NullLocator())
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))


class _DisplayHandle:
    """Shows PNG bytes in the notebook, replacing the previous picture (one output, updated)."""

    def __init__(self):
        self.handle = None

    def __call__(self, png: bytes) -> None:
        from IPython.display import Image, display

        if self.handle is None:
            self.handle = display(Image(data=png, format="png"), display_id=True)
        else:
            self.handle.update(Image(data=png, format="png"))
