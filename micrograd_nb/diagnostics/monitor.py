"""`Monitor`: collect per-layer diagnostics at every training step, for plots over time."""

from __future__ import annotations

from ..nn.module import Module
from .activations import ACTIVATION_TYPES, ActivationRecorder
from .stats import grad_stats, snapshot_weights, update_ratios, weight_grads
from .tensorboard import TensorBoardLog


class Monitor:
    """Per-layer histories of gradient norms, ratios and activation statistics.

    monitor = mg.diagnostics.Monitor(model)
    for step in ...:
        loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward()
        monitor.after_backward(loss)  # gradient stats (+ the last forward's activations)
        opt.step()
        monitor.after_step()          # update-to-parameter ratios
    monitor.history["grad_norm"]      # {layer name: [value per step]}

    With `log_dir="runs/mlp"` it also writes every record as TensorBoard event files: the
    loss, each metric per layer as scalars, and each step's activation and weight-gradient
    values per layer as histograms (needs the `tensorboard` extra).
    """

    GRAD_METRICS = ("grad_norm", "grad_mean", "grad_std", "grad_max", "grad_to_param")
    ACTIVATION_METRICS = ("act_mean", "act_std", "dead_fraction", "saturated_fraction")

    def __init__(self, model: Module, activations: bool = True, log_dir: str | None = None):
        self.model = model
        self.steps: list[int] = []
        self.history: dict[str, dict[str, list[float]]] = {
            metric: {} for metric in self.GRAD_METRICS + ("update_to_param",)
        }
        self.losses: list[float] = []  # the loss of each step, when after_backward is given it
        self.tensorboard = TensorBoardLog(log_dir) if log_dir is not None else None
        self._recorder = ActivationRecorder(model, ACTIVATION_TYPES) if activations else None
        if activations:
            for metric in self.ACTIVATION_METRICS:
                self.history[metric] = {}
        self._before = None

    def _append(self, metric: str, name: str, value: float) -> None:
        self.history[metric].setdefault(name, []).append(value)

    def after_backward(self, loss=None) -> None:
        """Record this step's loss (if given), gradient statistics and the weights before the update."""
        step = len(self.steps)
        self.steps.append(step)
        if loss is not None:
            self.losses.append(float(loss.item() if hasattr(loss, "item") else loss))
        for name, s in grad_stats(self.model).items():
            self._append("grad_norm", name, s.norm)
            self._append("grad_mean", name, s.mean)
            self._append("grad_std", name, s.std)
            self._append("grad_max", name, s.max)
            self._append("grad_to_param", name, s.grad_to_param)
        if self._recorder is not None:
            for name, s in self._recorder.stats.items():
                self._append("act_mean", name, s.mean)
                self._append("act_std", name, s.std)
                self._append("dead_fraction", name, s.dead_fraction)
                self._append("saturated_fraction", name, s.saturated_fraction)
        self._before = snapshot_weights(self.model)
        if self.tensorboard is not None:
            self._write_step(step)

    def _write_step(self, step: int) -> None:
        """This step's records as TensorBoard scalars and histograms."""
        log = self.tensorboard
        if len(self.losses) > step:
            log.scalar("loss", self.losses[step], step)
        for metric, series in self.history.items():
            if metric != "update_to_param":  # written by after_step, once the step is taken
                log.scalars(metric, {n: v[-1] for n, v in series.items() if len(v) > step}, step)
        log.histograms("gradients", weight_grads(self.model), step)
        if self._recorder is not None:
            activations = {name: s.values for name, s in self._recorder.stats.items()}
            log.histograms("activations", activations, step)

    def after_step(self) -> None:
        """Record ‖ΔW‖/‖W‖ of the step just taken."""
        if self._before is None:
            raise RuntimeError(
                "Monitor.after_step: call after_backward() before the optimizer step"
            )
        ratios = update_ratios(self.model, self._before)
        for name, ratio in ratios.items():
            self._append("update_to_param", name, ratio)
        self._before = None
        if self.tensorboard is not None:
            self.tensorboard.scalars("update_to_param", ratios, self.steps[-1])

    @property
    def last_activations(self) -> dict:
        """The activation statistics of the most recent forward pass."""
        return {} if self._recorder is None else dict(self._recorder.stats)

    def close(self) -> None:
        """Detach the forward hooks and close the TensorBoard file, if any."""
        if self._recorder is not None:
            self._recorder.remove()
        if self.tensorboard is not None:
            self.tensorboard.close()
