"""`ActivationExplorer`: an activation and its derivative side by side.

The derivative is not a formula typed into the widget: it is what the engine's backward pass
computes. For a grid x, y = f(x) elementwise, so ∂(Σy)/∂xᵢ = f′(xᵢ): one `backward()` of the
sum gives the whole derivative curve. Sigmoid's derivative σ(1 − σ) peaks at 0.25 (at x = 0);
that bound is marked, because ten sigmoid layers multiply the gradient by at most 0.25¹⁰ ≈ 9.5e-7.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..nn.layers import make_activation
from ..tensor import Tensor
from ._base import Explorer
from ._figure import new_figure

#: the activations of the explorers, by the names `MLP(activation=...)` accepts
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "selu")


def activation_function(name: str):
    """The activation module `MLP(activation=name)` uses (a callable Tensor -> Tensor)."""
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"unknown activation {name!r}; use one of {', '.join(ACTIVATION_NAMES)}")
    return make_activation(name)


def activation_and_derivative(name: str, x) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f′(x)) on a grid, the derivative by backward: ∂(Σ f(xᵢ))/∂xᵢ = f′(xᵢ)."""
    xt = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = activation_function(name)(xt)
    y.sum().backward()
    return np.array(y.data), np.array(xt.grad)


class ActivationExplorer(Explorer):
    """Pick an activation; see f(x) and f′(x) side by side, f′ computed by autograd.

    Controls: `activation` (Dropdown), `x_max` (the plot spans [-x_max, x_max]), `point` (a
    marked x₀ whose f(x₀) and f′(x₀) are printed). Results: `x`, `y`, `dy` (arrays) and
    `max_derivative` (the largest f′ on the grid: 0.25 for sigmoid).
    """

    def __init__(
        self, activation: str = "sigmoid", x_max: float = 6.0, points: int = 601, schedule=None
    ):
        super().__init__(schedule=schedule)
        self._points = int(points)
        self.activation = W.Dropdown(
            options=list(ACTIVATION_NAMES), value=activation, description="activation"
        )
        self.x_max = W.FloatSlider(
            value=x_max, min=1.0, max=12.0, step=0.5, description="x range ±"
        )
        self.point = W.FloatSlider(value=0.0, min=-x_max, max=x_max, step=0.1, description="x₀")
        self.x = self.y = self.dy = np.zeros(0)
        self.fig, (self._ax_f, self._ax_df) = new_figure(8.0, 3.0, ncols=2)
        self._watch(self.activation, self.x_max, self.point)
        self.x_max.observe(self._on_range, names="value")
        self._box = W.VBox(
            [W.HBox([self.activation, self.x_max, self.point]), self.image, self.message]
        )
        self.update()

    @property
    def widget(self) -> W.Widget:
        return self._box

    @property
    def max_derivative(self) -> float:
        """max f′(x) over the plotted range."""
        self._ensure_current()
        return float(np.max(self.dy))

    def derivative_at(self, x0: float) -> float:
        """f′(x₀) by backward on a single point."""
        return float(activation_and_derivative(self.activation.value, np.array([x0]))[1][0])

    def _on_range(self, change) -> None:
        self.point.min, self.point.max = -change["new"], change["new"]

    def _compute(self) -> None:
        self.x = np.linspace(-self.x_max.value, self.x_max.value, self._points)
        self.y, self.dy = activation_and_derivative(self.activation.value, self.x)

    def _draw(self) -> None:
        name = self.activation.value
        x0 = self.point.value
        y0, dy0 = (float(v[0]) for v in activation_and_derivative(name, np.array([x0])))
        for ax in (self._ax_f, self._ax_df):
            ax.clear()
            ax.axhline(0.0, color="#999", lw=0.6)
            ax.axvline(0.0, color="#999", lw=0.6)
            ax.grid(alpha=0.3)
            ax.set_xlabel("x")
        self._ax_f.plot(self.x, self.y, color="#1f77b4", lw=2)
        self._ax_f.plot([x0], [y0], "o", color="#d62728")
        self._ax_f.set_title(f"{name}(x)")
        self._ax_df.plot(self.x, self.dy, color="#ff7f0e", lw=2)
        self._ax_df.plot([x0], [dy0], "o", color="#d62728")
        self._ax_df.set_title(f"{name}′(x)  by backward()")
        if name == "sigmoid":
            # The bound behind vanishing gradients: σ′ = σ(1 − σ) ≤ 0.25, reached at x = 0.
            self._ax_df.axhline(0.25, color="#d62728", ls="--", lw=1)
            self._ax_df.annotate(
                "σ′ ≤ 0.25",
                (self.x[0], 0.25),
                xytext=(4, -14),
                textcoords="offset points",
                color="#d62728",
            )
        self.message.value = (
            f"{name}({x0:g}) = {y0:.4g}, &nbsp; {name}′({x0:g}) = {dy0:.4g}, &nbsp; "
            f"max {name}′ on the plot = {float(np.max(self.dy)):.4g}"
        )
