"""`Monitor`: collect per-layer diagnostics at every training step, for plots over time."""

from __future__ import annotations

from ..nn.module import Module
from .activations import ACTIVATION_TYPES, ActivationRecorder
from .stats import grad_stats, snapshot_weights, update_ratios


class Monitor:
    """Per-layer histories of gradient norms, ratios and activation statistics.

    monitor = mg.diagnostics.Monitor(model)
    for step in ...:
        loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward()
        monitor.after_backward()      # gradient stats (+ the last forward's activations)
        opt.step()
        monitor.after_step()          # update-to-parameter ratios
    monitor.history["grad_norm"]      # {layer name: [value per step]}
    """

    GRAD_METRICS = ("grad_norm", "grad_mean", "grad_std", "grad_max", "grad_to_param")
    ACTIVATION_METRICS = ("act_mean", "act_std", "dead_fraction", "saturated_fraction")

    def __init__(self, model: Module, activations: bool = True):
        self.model = model
        self.steps: list[int] = []
        self.history: dict[str, dict[str, list[float]]] = {
            metric: {} for metric in self.GRAD_METRICS + ("update_to_param",)
        }
        self._recorder = ActivationRecorder(model, ACTIVATION_TYPES) if activations else None
        if activations:
            for metric in self.ACTIVATION_METRICS:
                self.history[metric] = {}
        self._before = None

    def _append(self, metric: str, name: str, value: float) -> None:
        self.history[metric].setdefault(name, []).append(value)

    def after_backward(self) -> None:
        """Record this step's gradient statistics and the weights before the update."""
        self.steps.append(len(self.steps))
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

    def after_step(self) -> None:
        """Record ‖ΔW‖/‖W‖ of the step just taken."""
        if self._before is None:
            raise RuntimeError(
                "Monitor.after_step: call after_backward() before the optimizer step"
            )
        for name, ratio in update_ratios(self.model, self._before).items():
            self._append("update_to_param", name, ratio)
        self._before = None

    @property
    def last_activations(self) -> dict:
        """The activation statistics of the most recent forward pass."""
        return {} if self._recorder is None else dict(self._recorder.stats)

    def close(self) -> None:
        """Detach the forward hooks."""
        if self._recorder is not None:
            self._recorder.remove()
