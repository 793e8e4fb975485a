"""`SequenceGradientExplorer`: watch the gradient fade or blow up on its way back through time.

    from micrograd_nb.widgets import SequenceGradientExplorer
    explorer = SequenceGradientExplorer()
    explorer                        # controls, ‖∂L/∂h_t‖ against t, and a one-line verdict
    explorer.cell.value = "LSTM"    # code can drive the controls too
    explorer.forget_bias.value = 1
    explorer.hidden_grads           # ‖∂L/∂h_t‖ for t = 1..T
    explorer.verdict                # 'vanishing: step 1 receives 1.1e-04 of step 50's gradient ...'

Every change builds the recurrent layer, runs one batch of sequences forward and backward (see
`sequence_flow.py`) and redraws; a burst of slider events is coalesced into one redraw.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from ._base import VerdictExplorer
from ._figure import log_axis, new_figure, positive_or_nan, set_log_limits
from .explorer import CLIP_OPTIONS
from .sequence_flow import (
    CELLS,
    RECURRENT_INITS,
    SequenceConfig,
    SequenceResult,
    measure_sequence_gradients,
)


class SequenceGradientExplorer(VerdictExplorer):
    """Controls for a recurrent layer and a live picture of ‖∂L/∂h_t‖ over the time steps.

    Controls (ipywidgets, set `.value` from code): `cell`, `seq_len`, `init`, `gain` (ρ, for
    init "orthogonal"), `std` (for init "normal"), `forget_bias` (LSTM), `clip`, `seed`.
    Results: `hidden_grads`, `cell_grads` (LSTM), `verdict`, `kind`, `result`.
    """

    css_prefix = "mg-seq"

    def __init__(
        self,
        cell: str = "RNN tanh",
        seq_len: int = 50,
        init: str = "orthogonal",
        gain: float = 1.0,
        schedule=None,
        **settings,
    ):
        super().__init__(schedule=schedule)
        s = SequenceConfig(cell=cell, seq_len=seq_len, init=init, gain=gain, **settings)
        s.check()
        self._fixed = {k: getattr(s, k) for k in ("hidden_size", "input_size", "batch_size")}
        wide = {"style": {"description_width": "80px"}}
        self.cell = W.Dropdown(options=list(CELLS), value=s.cell, description="cell", **wide)
        self.seq_len = W.IntSlider(value=s.seq_len, min=2, max=200, description="seq len", **wide)
        self.init = W.Dropdown(
            options=list(RECURRENT_INITS), value=s.init, description="W_hh init", **wide
        )
        self.gain = W.FloatSlider(
            value=s.gain, min=0.5, max=2.0, step=0.05, description="gain ρ", **wide
        )
        self.std = W.FloatLogSlider(
            value=s.std, base=10, min=-3, max=0, step=0.05, description="std", **wide
        )
        self.forget_bias = W.FloatSlider(
            value=s.forget_bias, min=-2.0, max=5.0, step=0.5, description="forget bias", **wide
        )
        self.clip = W.Dropdown(
            options=CLIP_OPTIONS, value=s.clip or "off", description="clip ‖g‖", **wide
        )
        self.seed = W.BoundedIntText(value=s.seed, min=0, max=2**31 - 1, description="seed", **wide)
        self.result: SequenceResult | None = None
        self.fig, (self._ax,) = new_figure(8.0, 3.2, left=0.1, top=0.84, bottom=0.16)
        self._setup_axes()
        controls = (self.cell, self.seq_len, self.init, self.gain, self.std, self.forget_bias,
                    self.clip, self.seed)  # fmt: skip
        self._watch(*controls)
        self.init.observe(lambda change: self._sync_enabled(), names="value")
        self.cell.observe(lambda change: self._sync_enabled(), names="value")
        self._sync_enabled()
        for widget, name in [(self.image, "picture"), (self.message, "message"),
                             (self.cell, "cell"), (self.seq_len, "seq-len"),
                             (self.gain, "gain"), (self.forget_bias, "forget-bias")]:  # fmt: skip
            widget.add_class(f"mg-seq-{name}")  # handles for styling and browser tests
        self._box = W.VBox(
            [
                W.HBox(
                    [
                        W.VBox([self.cell, self.seq_len, self.seed]),
                        W.VBox([self.init, self.gain, self.std]),
                        W.VBox([self.forget_bias, self.clip]),
                    ]
                ),
                self.image,
                self.message,
            ]
        )
        self.update()

    # ---- results (current as soon as read) -------------------------------------------------------
    @property
    def widget(self) -> W.Widget:
        return self._box

    def config(self) -> SequenceConfig:
        """The controls' current values as a `SequenceConfig`."""
        return SequenceConfig(
            cell=self.cell.value,
            seq_len=self.seq_len.value,
            init=self.init.value,
            gain=self.gain.value,
            std=self.std.value,
            forget_bias=self.forget_bias.value,
            clip=None if self.clip.value in (None, "off") else float(self.clip.value),
            seed=self.seed.value,
            **self._fixed,
        )

    @property
    def hidden_grads(self) -> np.ndarray:
        """‖∂L/∂h_t‖ for t = 1..T (the loss sees only the last step)."""
        return self._current().hidden_grads.copy()

    @property
    def cell_grads(self) -> np.ndarray | None:
        """‖∂L/∂c_t‖ for t = 1..T of the LSTM's cell state (None for other cells)."""
        grads = self._current().cell_grads
        return None if grads is None else grads.copy()

    # ---- update and drawing -----------------------------------------------------------------------
    def _sync_enabled(self) -> None:
        self.gain.disabled = self.init.value != "orthogonal"
        self.std.disabled = self.init.value != "normal"
        self.forget_bias.disabled = self.cell.value != "LSTM"

    def _compute(self) -> None:
        self.result = None
        self.result = measure_sequence_gradients(self.config())

    def _setup_axes(self) -> None:
        ax = self._ax
        log_axis(ax)
        ax.set_xlabel("time step t (the loss is taken at the last step)")
        (self._line_h,) = ax.plot([], [], "o-", ms=2.5, color="#d62728", label="‖∂L/∂h_t‖")
        (self._line_c,) = ax.plot([], [], "-", color="#2ca02c", label="‖∂L/∂c_t‖ (cell state)")
        (self._line_rho,) = ax.plot([], [], "--", color="#7f7f7f", label="ρ^(T−t)·‖∂L/∂h_T‖")
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)

    def _draw(self) -> None:
        r = self.result
        c = r.config
        steps = np.arange(1, c.seq_len + 1)
        self._line_h.set_data(steps, positive_or_nan(r.hidden_grads))
        shown = [r.hidden_grads]
        if r.cell_grads is not None:
            self._line_c.set_data(steps, positive_or_nan(r.cell_grads))
            shown.append(r.cell_grads)
        else:
            self._line_c.set_data([], [])
        if c.cell.startswith("RNN"):  # the bound ρ^(T−t) is the plain RNN's; gates change it
            with np.errstate(all="ignore"):
                reference = r.hidden_grads[-1] * r.spectral_radius ** (c.seq_len - steps)
            self._line_rho.set_data(steps, positive_or_nan(reference))
        else:
            self._line_rho.set_data([], [])
        self._ax.set_xlim(0.5, c.seq_len + 0.5)
        set_log_limits(self._ax, np.concatenate(shown))
        init = f"orthogonal ρ={c.gain:g}" if c.init == "orthogonal" else f"normal std={c.std:.3g}"
        self._ax.set_title(
            f"{c.cell}, T={c.seq_len}, W_hh {init} (spectral radius {r.spectral_radius:.3g})"
            + (f", forget bias {c.forget_bias:g}" if c.cell == "LSTM" else "")
            + (f", clip {c.clip:g}" if c.clip else ""),
            fontsize=10,
        )

    def _after_draw(self) -> None:
        c = self.result.config
        self._show_verdict(f"{c.cell}, T={c.seq_len}, loss {self.result.loss:.3g}")
