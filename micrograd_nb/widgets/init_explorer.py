"""`InitExplorer`: histograms of each layer's activations, for every init scheme side by side.

A good initialization keeps the spread of the activations about the same from layer to layer
(then the backward signal keeps its size too). With ReLU, He init (std √(2/fan_in)) does;
Xavier (√(2/(fan_in+fan_out)) = √(1/fan_in) for square layers) halves the variance at every
layer, so the histograms shrink to a spike at 0; a plain N(0, 1) init blows them up. With tanh,
a large init pushes every unit into saturation (a histogram piled up at ±1, where tanh′ ≈ 0).
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from ..autograd import no_grad
from ..diagnostics.activations import TANH_SATURATION
from ..tensor import Tensor
from ._base import Explorer
from ._figure import new_figure
from .activation_explorer import ACTIVATION_NAMES
from .flow import INIT_NAMES, FlowConfig, blas_for_small_matrices, build_mlp

#: how many layers get a histogram in each panel (first, last and evenly in between)
SHOWN_LAYERS = 5


def hidden_activations(config: FlowConfig, n_samples: int = 512) -> list[np.ndarray]:
    """The output of each of the `depth` hidden layers (Linear → activation), first layer first.

    The network is `MLP([width] * (depth + 2))`: depth hidden layers and a Linear output layer;
    the inputs are standard normal.
    """
    model = build_mlp(config, sizes=[config.width] * (config.depth + 2))
    rng = np.random.default_rng(config.seed)
    x = Tensor(rng.standard_normal((n_samples, config.width)), dtype=np.float64)
    inputs: list[np.ndarray] = []
    handles = [
        m.register_forward_hook(lambda m, args, out: inputs.append(np.asarray(args[0].data)))
        for m in model.linear_layers()
    ]
    with no_grad(), blas_for_small_matrices(), np.errstate(all="ignore"):
        model(x)
    for handle in handles:
        handle.remove()
    return inputs[1:]  # each Linear after the first receives the previous hidden layer


def shown_layers(depth: int, count: int = SHOWN_LAYERS) -> list[int]:
    """Indices (0-based) of the layers drawn: the first, the last and evenly spaced between."""
    return sorted({int(round(i)) for i in np.linspace(0, depth - 1, min(count, depth))})


class InitExplorer(Explorer):
    """One panel per init scheme; in each, histograms of layer 1 ... layer `depth` activations.

    Controls: `activation`, `depth`, `width`, `std` (for "normal"), `seed`. Results: `stds`
    ({scheme: std of each hidden layer's activations, first layer first}), `saturation`
    ({scheme: fraction of |h| > 0.97 per layer, where tanh′ < 0.06, as in mg.diagnostics}) and
    `histograms` ({scheme: {layer number: (counts, bin edges)}}).
    """

    def __init__(
        self,
        activation: str = "relu",
        depth: int = 10,
        width: int = 64,
        std: float = 1.0,
        seed: int = 0,
        schemes=INIT_NAMES,
        schedule=None,
    ):
        super().__init__(schedule=schedule)
        self.schemes = tuple(schemes)
        wide = {"style": {"description_width": "70px"}}
        self.activation = W.Dropdown(
            options=list(ACTIVATION_NAMES), value=activation, description="activation", **wide
        )
        self.depth = W.IntSlider(value=depth, min=1, max=50, description="depth", **wide)
        self.width = W.IntSlider(value=width, min=4, max=256, step=4, description="width", **wide)
        self.std = W.FloatLogSlider(
            value=std, base=10, min=-3, max=1, step=0.05, description="normal std", **wide
        )
        self.seed = W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed", **wide)
        self.stds: dict[str, np.ndarray] = {}
        self.saturation: dict[str, np.ndarray] = {}
        self.histograms: dict[str, dict[int, tuple[np.ndarray, np.ndarray]]] = {}
        self._zeros: dict[str, np.ndarray] = {}  # fraction of exact zeros per layer
        self.fig, self._axes = new_figure(
            2.3 * len(self.schemes),
            3.3,
            ncols=len(self.schemes),
            left=0.03,
            right=0.99,
            top=0.76,
            bottom=0.22,
            wspace=0.25,
        )
        self._watch(self.activation, self.depth, self.width, self.std, self.seed)
        self._box = W.VBox(
            [
                W.HBox(
                    [
                        W.VBox([self.activation, self.depth]),
                        W.VBox([self.width, self.std]),
                        self.seed,
                    ]
                ),  # fmt: skip
                self.image,
                self.message,
            ]
        )
        self.update()

    @property
    def widget(self) -> W.Widget:
        return self._box

    def config(self, scheme: str) -> FlowConfig:
        """The settings of the network drawn for `scheme`."""
        return FlowConfig(
            depth=self.depth.value,
            width=self.width.value,
            activation=self.activation.value,
            init=scheme,
            std=self.std.value,
            seed=self.seed.value,
        )

    def _compute(self) -> None:
        self.stds, self.saturation, self.histograms, self._zeros = {}, {}, {}, {}
        for scheme in self.schemes:
            layers = hidden_activations(self.config(scheme))
            self.stds[scheme] = np.array([float(np.std(h)) for h in layers])
            self.saturation[scheme] = np.array(
                [float(np.mean(np.abs(h) > TANH_SATURATION)) for h in layers]
            )
            self._zeros[scheme] = np.array([float(np.mean(h == 0.0)) for h in layers])
            shown = {}
            for i in shown_layers(len(layers)):
                values = layers[i][np.isfinite(layers[i])].ravel()
                # ReLU's exact zeros (about half the units) would dwarf the rest of the histogram.
                values = values[values != 0.0]
                low, high = _histogram_range(values)
                shown[i + 1] = np.histogram(values, bins=40, range=(low, high))
            self.histograms[scheme] = shown

    def _draw(self) -> None:
        for ax, scheme in zip(self._axes, self.schemes):
            ax.clear()
            shown = self.histograms[scheme]
            colors = _layer_colors(len(shown))
            for color, (layer, (counts, edges)) in zip(colors, shown.items()):
                ax.stairs(counts, edges, color=color, label=f"layer {layer}")
            ax.set_yticks([])
            stds = self.stds[scheme]
            ax.set_title(f"{scheme}\nstd {stds[0]:.2g} → {stds[-1]:.2g}", fontsize=9)
            ax.set_xlabel(
                "activation (exact zeros not drawn)"
                if np.any(self._zeros[scheme])
                else "activation",
                fontsize=7,
            )
            ax.tick_params(labelsize=7)
        self.fig.legends.clear()
        handles, labels = self._axes[0].get_legend_handles_labels()
        self.fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
        self.fig.suptitle(
            f"{self.activation.value} activations, {self.depth.value} layers × {self.width.value}",
            fontsize=10,
        )

    def _after_draw(self) -> None:
        self.message.value = "std of the last layer / std of the first layer: " + ", ".join(
            f"{scheme} {_ratio(self.stds[scheme]):.2g}" for scheme in self.schemes
        )


def _ratio(stds: np.ndarray) -> float:
    return float(stds[-1] / stds[0]) if stds[0] > 0 else float("nan")


def _histogram_range(values: np.ndarray) -> tuple[float, float]:
    """A range that shows the bulk of the values (the extreme 0.5% would squash the rest)."""
    if values.size == 0:
        return -1.0, 1.0
    low, high = np.percentile(values, [0.25, 99.75])
    if not high > low:
        low, high = low - 1e-3, high + 1e-3
    return float(low), float(high)


def _layer_colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(t) for t in np.linspace(0.0, 0.9, max(n, 1))]
