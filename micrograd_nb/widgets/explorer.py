"""`GradientFlowExplorer`: make gradients vanish or explode, live.

    from micrograd_nb.widgets import GradientFlowExplorer
    explorer = GradientFlowExplorer()
    explorer                      # controls, the picture and a one-line verdict
    explorer.depth.value = 30     # code can drive the controls too
    explorer.grad_norms           # ‖∂L/∂Wᵢ‖ per layer, first layer first
    explorer.verdict              # 'vanishing: layer 1 receives 4e-7 of the last layer's gradient'

Every control change builds the network, runs one batch forward and backward (see `flow.py`)
and redraws. Changes are coalesced: a burst of slider events costs one redraw with the
latest settings, never a backlog. "Train" runs SGD on a toy task and animates the loss and the
gradient norms over the steps.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from ._base import VerdictExplorer
from ._figure import log_axis, new_figure, png_bytes, positive_or_nan, set_log_limits
from .activation_explorer import ACTIVATION_NAMES
from .flow import DTYPE_NAMES, INIT_NAMES, FlowConfig, FlowResult, measure_flow
from .training import TrainingHistory, train

# "off"/"none" stand for None: a Dropdown shows a None value as an empty box.
CLIP_OPTIONS = [("off", "off"), ("0.1", 0.1), ("1", 1.0), ("10", 10.0), ("100", 100.0)]
NORM_OPTIONS = [("none", "none"), ("batch", "batch"), ("layer", "layer")]


class GradientFlowExplorer(VerdictExplorer):
    """Controls for a deep MLP and a live picture of its per-layer gradients.

    Controls (ipywidgets, set `.value` from code): `depth`, `width`, `activation`, `init`, `std`
    (for init "normal"), `residual`, `norm`, `clip`, `dtype`, `seed`; for training `steps`,
    `lr` and `train_button`. Results: `grad_norms`, `received`, `spreads`, `verdict`, `kind`,
    `result` (the whole `FlowResult`) and, after training, `history`.
    """

    css_prefix = "mg-flow"

    def __init__(
        self,
        depth: int = 10,
        width: int = 64,
        activation: str = "sigmoid",
        init: str = "xavier",
        batch_size: int = 128,
        schedule=None,
        **settings,
    ):
        super().__init__(schedule=schedule)
        self.batch_size = int(batch_size)
        s = FlowConfig(depth=depth, width=width, activation=activation, init=init, **settings)
        s.check()
        wide = {"style": {"description_width": "70px"}}
        self.depth = W.IntSlider(value=s.depth, min=1, max=100, description="depth", **wide)
        self.width = W.IntSlider(value=s.width, min=4, max=256, step=4, description="width", **wide)
        self.activation = W.Dropdown(
            options=list(ACTIVATION_NAMES), value=s.activation, description="activation", **wide
        )
        self.init = W.Dropdown(options=list(INIT_NAMES), value=s.init, description="init", **wide)
        self.std = W.FloatLogSlider(
            value=s.std, base=10, min=-3, max=1, step=0.05, description="std", **wide
        )
        self.residual = W.Checkbox(value=s.residual, description="residual", indent=False)
        self.norm = W.Dropdown(
            options=NORM_OPTIONS, value=s.norm or "none", description="norm", **wide
        )
        self.clip = W.Dropdown(
            options=CLIP_OPTIONS, value=s.clip or "off", description="clip ‖g‖", **wide
        )
        self.dtype = W.Dropdown(
            options=list(DTYPE_NAMES), value=s.dtype, description="dtype", **wide
        )
        self.seed = W.BoundedIntText(value=s.seed, min=0, max=2**31 - 1, description="seed", **wide)
        self.steps = W.IntSlider(value=200, min=10, max=1000, step=10, description="steps", **wide)
        self.lr = W.FloatLogSlider(
            value=0.05, base=10, min=-3, max=0, step=0.1, description="lr", **wide
        )
        self.train_button = W.Button(description="Train", icon="play", button_style="primary")
        self.train_status = W.HTML()
        self.train_image = W.Image(format="png", layout=W.Layout(max_width="100%"))

        self.result: FlowResult | None = None
        self.history: TrainingHistory | None = None
        self.fig, (self._ax_grad, self._ax_spread) = new_figure(9.0, 3.2, ncols=2, top=0.82)
        self._setup_flow_axes()
        self._train_fig, (self._ax_loss, self._ax_tgrad) = new_figure(
            9.0, 2.8, ncols=2, top=0.88, bottom=0.18
        )

        controls = (self.depth, self.width, self.activation, self.init, self.std, self.residual,
                    self.norm, self.clip, self.dtype, self.seed)  # fmt: skip
        self._watch(*controls)
        self.init.observe(lambda change: self._sync_std(), names="value")
        self._sync_std()
        self.train_button.on_click(lambda button: self.train())
        self.train_image.layout.display = "none"  # until the first training run
        # CSS classes, so that browser tests (and custom styles) can find the parts
        for widget, name in [(self.image, "picture"), (self.message, "message"),
                             (self.depth, "depth"), (self.activation, "activation"),
                             (self.init, "init"), (self.train_button, "train"),
                             (self.train_status, "train-status"),
                             (self.train_image, "train-picture")]:  # fmt: skip
            widget.add_class(f"mg-flow-{name}")
        self._box = W.VBox(
            [
                W.HBox(
                    [
                        W.VBox([self.depth, self.width, self.std]),
                        W.VBox([self.activation, self.init, self.norm]),
                        W.VBox([self.clip, self.dtype, self.seed, self.residual]),
                    ]
                ),  # fmt: skip
                self.image,
                self.message,
                W.HBox([self.train_button, self.steps, self.lr]),
                self.train_status,
                self.train_image,
            ]
        )
        self.update()

    # ---- results (always current: a pending change is computed first) ----------------------
    @property
    def widget(self) -> W.Widget:
        return self._box

    def config(self) -> FlowConfig:
        """The controls' current values as a `FlowConfig`."""
        return FlowConfig(
            depth=self.depth.value,
            width=self.width.value,
            activation=self.activation.value,
            init=self.init.value,
            std=self.std.value,
            residual=self.residual.value,
            norm=None if self.norm.value in (None, "none") else self.norm.value,
            clip=None if self.clip.value in (None, "off") else float(self.clip.value),
            dtype=self.dtype.value,
            seed=self.seed.value,
            batch_size=self.batch_size,
        )

    @property
    def grad_norms(self) -> np.ndarray:
        """‖∂L/∂Wᵢ‖ of each layer's weight, first layer first."""
        return self._current().grad_norms.copy()

    @property
    def received(self) -> np.ndarray:
        """‖∂L/∂zᵢ‖: the gradient arriving at each layer's output, first layer first."""
        return self._current().received.copy()

    @property
    def spreads(self) -> np.ndarray:
        """Standard deviation of each layer's output activations, first layer first."""
        return self._current().spreads.copy()

    # ---- update and drawing ----------------------------------------------------------------------
    def _sync_std(self) -> None:
        self.std.disabled = self.init.value != "normal"

    def _compute(self) -> None:
        self.result = None
        self.result = measure_flow(self.config())

    def _setup_flow_axes(self) -> None:
        ax = self._ax_grad
        log_axis(ax)
        ax.set_xlabel("layer (input side → output side)")
        ax.set_title("gradient per layer")
        (self._line_w,) = ax.plot([], [], "o-", ms=3, color="#d62728", label="‖∂L/∂W‖ weights")
        (self._line_z,) = ax.plot([], [], "--", color="#1f77b4", label="‖∂L/∂z‖ received")
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
        ax = self._ax_spread
        log_axis(ax)
        ax.set_xlabel("layer (input side → output side)")
        ax.set_title("activation spread per layer (std)")
        (self._line_s,) = ax.plot([], [], "o-", ms=3, color="#2ca02c")
        ax.grid(alpha=0.3)

    def _draw(self) -> None:
        r = self.result
        layers = np.arange(1, len(r.grad_norms) + 1)
        self._line_w.set_data(layers, positive_or_nan(r.grad_norms))
        self._line_z.set_data(layers, positive_or_nan(r.received))
        self._line_s.set_data(layers, positive_or_nan(r.spreads))
        for ax in (self._ax_grad, self._ax_spread):
            ax.set_xlim(0.5, len(layers) + 0.5)
        set_log_limits(self._ax_grad, np.concatenate([r.grad_norms, r.received]))
        set_log_limits(self._ax_spread, r.spreads)
        c = r.config
        self.fig.suptitle(
            f"{c.depth} layers × {c.width}, {c.activation}, init {c.init}"
            + (f" (std {c.std:.3g})" if c.init == "normal" else "")
            + (", residual" if c.residual else "")
            + (f", {c.norm} norm" if c.norm else "")
            + (f", clip {c.clip:g}" if c.clip is not None else "")
            + f", {c.dtype}",
            fontsize=10,
        )

    def _after_draw(self) -> None:
        c = self.result.config
        self._show_verdict(
            f"{c.depth} layers, {c.activation}, init {c.init}, loss {self.result.loss:.3g}"
        )

    # ---- training ----------------------------------------------------------------------------------
    def train(self, steps: int | None = None, frames: int = 20) -> TrainingHistory:
        """Train the current network on the moons; redraw loss and gradient norms `frames` times."""
        steps = int(steps if steps is not None else self.steps.value)
        every = max(1, steps // max(1, frames))
        config = self.config()
        self.train_button.disabled = True
        self.train_status.value = "training ..."

        def on_step(step: int, history: TrainingHistory) -> None:
            if (step + 1) % every == 0 or step + 1 == steps:
                self._draw_training(history, steps)
                self.train_status.value = (
                    f"step {step + 1}/{steps}: loss {history.loss[-1]:.4g}, "
                    f"‖∂L/∂W₁‖ = {history.grad_norms[-1][0]:.2g}"
                )

        try:
            self.history = train(config, steps=steps, lr=self.lr.value, callback=on_step)
        finally:
            self.train_button.disabled = False
        h = self.history
        self.train_status.value = (
            f"<b>after {steps} steps: loss {h.loss[0]:.3g} → {h.loss[-1]:.3g}, "
            f"training accuracy {h.accuracy:.0%}</b>"
            + (f" ({h.skipped_steps} steps skipped by the loss scaler)" if h.skipped_steps else "")
        )
        return self.history

    def _draw_training(self, history: TrainingHistory, steps: int) -> None:
        ax_loss, ax_grad = self._ax_loss, self._ax_tgrad
        for ax in (ax_loss, ax_grad):
            ax.clear()
            ax.grid(alpha=0.3)
            ax.set_xlim(0, steps)
            ax.set_xlabel("step")
        step_axis = np.arange(1, len(history.loss) + 1)
        ax_loss.plot(step_axis, history.loss, color="#000")
        ax_loss.set_title("training loss (cross-entropy, moons)")
        ax_loss.set_ylim(bottom=0)
        norms = np.array(history.grad_norms)
        n_layers = norms.shape[1]
        picks = sorted({0, n_layers // 2, n_layers - 1})
        colors = ["#2166ac", "#7f7f7f", "#b2182b"]
        for color, i in zip(colors, picks):
            ax_grad.plot(
                step_axis, positive_or_nan(norms[:, i]), color=color, label=f"layer {i + 1}"
            )
        log_axis(ax_grad)
        set_log_limits(ax_grad, norms[:, picks])
        ax_grad.set_title("‖∂L/∂W‖ over training")
        ax_grad.legend(loc="best", fontsize=8)
        self.train_image.value = png_bytes(self._train_fig)
        self.train_image.layout.display = None
