"""`LossScaleExplorer`: move the loss scale S and watch gradients enter and leave float16's range.

Backward of S·L gives S·(every gradient): the chain rule is linear in the seed dL/dL = S. On a
log axis that is a shift by log2 S. The picture is the histogram of log2 |S·g| for gradients g
from a float32 reference, over float16's zones: below 2**-25 a value rounds to 0 (the
gradient is lost), below 2**-14 it is subnormal (fewer digits survive), above 65504 it becomes
inf (GradScaler then skips the step and halves S). A good S moves the whole histogram into the
normal zone; `unscale_` divides by S afterwards, in float32, where the values fit easily.

The counts round each exact gradient once. A real float16 backward pass rounds at every step
(and a subnormal gradient carries its few digits into the next layer), so its counts differ in
detail, while following the same curve as S grows.
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from ._base import Explorer
from ._figure import new_figure

FLOAT16_MAX = float(np.finfo(np.float16).max)  # 65504
#: log2 of float16's limits: half the smallest subnormal (below it: 0), smallest normal, max
UNDERFLOW, SUBNORMAL, OVERFLOW = -25.0, -14.0, float(np.log2(FLOAT16_MAX))
#: the x-axis, in binary orders of magnitude (values beyond are drawn in the edge bins)
LOG2_RANGE = (-48.0, 24.0)


def scaled_counts(gradients: np.ndarray, scale: float) -> dict[str, int]:
    """How the nonzero gradients fare when S·g is rounded to float16: lost, subnormal, normal, inf."""
    g = gradients[np.isfinite(gradients) & (gradients != 0)] * scale
    with np.errstate(over="ignore"):  # overflow to inf is one of the outcomes counted
        rounded = np.abs(g.astype(np.float16))
    lost = int(np.count_nonzero(rounded == 0))
    overflowed = int(np.count_nonzero(np.isinf(rounded)))
    subnormal = int(np.count_nonzero((rounded > 0) & (rounded < 2.0**SUBNORMAL)))
    return {
        "lost": lost,
        "subnormal": subnormal,
        "normal": g.size - lost - subnormal - overflowed,
        "inf": overflowed,
    }


class LossScaleExplorer(Explorer):
    """A slider for log2 S over the histogram of the scaled gradients and float16's zones.

    `gradients`: arrays of gradients from a float32 (or float64) backward pass, e.g. the
    `.grad` of each layer's output. Control: `log2_scale`. Results, current as soon as read:
    `counts` and `histogram`; the verdict is in `message`.
    """

    def __init__(self, gradients, log2_scale: int = 0, schedule=None):
        super().__init__(schedule=schedule)
        arrays = [np.asarray(g, dtype=np.float64).ravel() for g in _as_list(gradients)]
        self.gradients = np.concatenate(arrays) if arrays else np.zeros(0)
        finite = self.gradients[np.isfinite(self.gradients) & (self.gradients != 0)]
        if finite.size == 0:
            raise ValueError("LossScaleExplorer: no nonzero finite gradient to show")
        self._log2_magnitudes = np.log2(np.abs(finite))
        self.log2_scale = W.IntSlider(
            value=log2_scale, min=0, max=40, description="log2 S",
            style={"description_width": "60px"}, layout=W.Layout(width="420px"),
        )  # fmt: skip
        self._counts: dict[str, int] = {}
        self._histogram: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
        self.fig, (self._ax,) = new_figure(8.0, 3.0, left=0.08, bottom=0.18, top=0.86)
        self._watch(self.log2_scale)
        self._box = W.VBox([self.log2_scale, self.image, self.message])
        for name, widget in [("slider", self.log2_scale), ("picture", self.image),
                             ("message", self.message)]:  # fmt: skip
            widget.add_class(f"mg-loss-scale-{name}")  # handles for styling and browser tests
        self.update()

    @property
    def widget(self) -> W.Widget:
        return self._box

    @property
    def counts(self) -> dict[str, int]:
        """Nonzero gradients that float16 turns to 0 / subnormal / normal / inf at the current S."""
        self._ensure_current()
        return self._counts

    @property
    def histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(counts, bin edges) of log2 |S·g| at the current S."""
        self._ensure_current()
        return self._histogram

    @property
    def scale(self) -> float:
        """S = 2**log2_scale (a power of two: multiplying and dividing by it is exact)."""
        return 2.0**self.log2_scale.value

    def _compute(self) -> None:
        self._counts = scaled_counts(self.gradients, self.scale)
        shifted = np.clip(self._log2_magnitudes + self.log2_scale.value, *LOG2_RANGE)
        self._histogram = np.histogram(shifted, bins=144, range=LOG2_RANGE)

    def _draw(self) -> None:
        ax = self._ax
        ax.clear()
        low, high = LOG2_RANGE
        ax.axvspan(low, UNDERFLOW, color="C3", alpha=0.15, label="rounds to 0: lost")
        ax.axvspan(UNDERFLOW, SUBNORMAL, color="C1", alpha=0.15, label="subnormal: few digits")
        ax.axvspan(OVERFLOW, high, color="C4", alpha=0.15, label="inf: step skipped")
        counts, edges = self._histogram
        ax.stairs(counts, edges, fill=True, color="C0", alpha=0.8)
        ax.set_xlim(low, high)
        ax.set_yticks([])
        ax.set_xlabel("log2 |S · gradient|", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        c = self._counts
        ax.set_title(
            f"S = 2^{self.log2_scale.value}:  {c['lost']} lost,  {c['subnormal']} subnormal,  "
            f"{c['normal']} normal,  {c['inf']} inf",
            fontsize=9,
        )

    def _after_draw(self) -> None:
        c, total = self._counts, sum(self._counts.values())
        if c["inf"]:
            verdict = (
                f"{c['inf']} of {total} scaled gradients overflow to inf: GradScaler skips this "
                "step and halves S."
            )
        elif c["lost"]:
            verdict = (
                f"{c['lost']} of {total} nonzero gradients are flushed to zero in float16; "
                "a larger S saves them."
            )
        else:
            verdict = f"all {total} nonzero gradients survive in float16."
        self.message.value = f"S = 2^{self.log2_scale.value}: {verdict}"


def _as_list(gradients) -> list:
    if isinstance(gradients, dict):
        return list(gradients.values())
    if isinstance(gradients, np.ndarray):
        return [gradients]
    return list(gradients)
