"""`Explorer`: the shared skeleton of the explorer widgets.

An explorer owns some controls (ipywidgets, exposed as attributes so code and tests can set
`.value`), a persistent matplotlib figure shown as a PNG in an `Image` widget, and an
`update()` that recomputes from the controls' current values and redraws. Control changes go
through a `Coalescer`, so a burst of slider events costs one update, not one each.
"""

from __future__ import annotations

import html
import traceback

import ipywidgets as W

from ._figure import png_bytes
from ._throttle import Coalescer


class Explorer:
    """Base class: subclasses build `self.controls`, `self.fig`, and define `_compute`/`_draw`."""

    def __init__(self, schedule=None):
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.message = W.HTML()  # the verdict, or the error if an update failed
        self._coalescer = Coalescer(self._update_now, schedule=schedule)
        self.redraws = 0  # how many pictures were rendered
        self.error: str | None = None

    # ---- wiring -----------------------------------------------------------------------------
    def _watch(self, *controls: W.Widget) -> None:
        """Recompute (coalesced) whenever one of these controls changes value."""
        for control in controls:
            control.observe(self._on_change, names="value")

    def _on_change(self, change=None) -> None:
        self._coalescer.request()

    def update(self) -> None:
        """Recompute and redraw now from the controls' current values."""
        self._coalescer.run_now()

    def _ensure_current(self) -> None:
        """Run a pending update first, so results read right after `.value = ...` are current."""
        self._coalescer.flush()

    @property
    def pending(self) -> bool:
        """True while a control change waits for its redraw."""
        return self._coalescer.stale

    def _update_now(self) -> None:
        try:
            self._compute()
            self._draw()
            self.image.value = png_bytes(self.fig)
            self.redraws += 1
            self.error = None
        except Exception as err:  # noqa: BLE001 - show any failure in the widget, keep it alive
            self.error = f"{type(err).__name__}: {err}"
            detail = html.escape(traceback.format_exc(limit=3))
            self.message.value = (
                f"<b style='color:#b00'>could not update: {html.escape(self.error)}</b>"
                f"<details><pre>{detail}</pre></details>"
            )
            return
        self._after_draw()

    # ---- to override ------------------------------------------------------------------------
    def _compute(self) -> None:
        raise NotImplementedError

    def _draw(self) -> None:
        raise NotImplementedError

    def _after_draw(self) -> None:
        """Hook run after a successful redraw (e.g. to write the verdict)."""

    # ---- display ------------------------------------------------------------------------------
    @property
    def widget(self) -> W.Widget:
        """The whole app as one ipywidget (to embed in your own layouts)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.redraws} redraws>"


#: the verdict's colour by kind
COLORS = {"vanishing": "#2166ac", "exploding": "#b2182b", "healthy": "#1b7837"}


class VerdictExplorer(Explorer):
    """An explorer whose `result` has a one-line `verdict` and its `kind` (vanishing, ...).

    Subclasses set `result` in `_compute` (None while it fails) and name their CSS classes
    with `css_prefix` ("mg-flow" gives the classes mg-flow-verdict and mg-flow-redraws).
    """

    result = None
    css_prefix = "mg"

    def _current(self):
        """The latest result, computed first if a change is pending."""
        self._ensure_current()
        if self.result is None:
            raise RuntimeError(
                f"{type(self).__name__}: no result, the last update failed: {self.error}"
            )
        return self.result

    @property
    def verdict(self) -> str:
        """One line: vanishing, exploding or healthy, with the ratio that says so."""
        return self._current().verdict

    @property
    def kind(self) -> str:
        """'vanishing', 'exploding' or 'healthy'."""
        return self._current().kind

    def _show_verdict(self, detail: str) -> None:
        """The verdict in its colour, then `detail` in grey (the settings it was measured at)."""
        r = self.result
        color = COLORS.get(r.kind, "#000")
        self.message.value = (
            f"<span class='{self.css_prefix}-verdict' style='font-size:1.15em;color:{color}'>"
            f"<b>{html.escape(r.verdict)}</b></span>"
            f"<span style='color:#666'> &nbsp; ({html.escape(detail)})</span>"
            # for tests and the curious: how many pictures this explorer has drawn
            f"<span class='{self.css_prefix}-redraws' style='display:none'>{self.redraws}</span>"
        )
