"""TensorBoard event files of a `Monitor`'s records, written by the `tensorboardX` package.

Install with `pip install "micrograd_nb[tensorboard]"` (the writer, and TensorBoard to look at
the files: `tensorboard --logdir runs`). Tags are `metric/layer`, e.g. `grad_norm/layers.0`,
so TensorBoard groups each metric's layers in one section.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _summary_writer(log_dir: str):
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError(
            "Monitor(log_dir=...) writes TensorBoard files with the tensorboardX package, which "
            'is not installed: pip install "micrograd_nb[tensorboard]" (or pip install tensorboardX)'
        ) from None
    return SummaryWriter(str(log_dir))


class TensorBoardLog:
    """Scalars and histograms per layer, one event file per run directory `log_dir`."""

    def __init__(self, log_dir: str):
        self.log_dir = str(log_dir)
        self._writer = _summary_writer(self.log_dir)

    def scalar(self, tag: str, value: float, step: int) -> None:
        """One number at one step (e.g. the loss)."""
        self._writer.add_scalar(tag, float(value), step)

    def scalars(self, metric: str, values: Mapping[str, float], step: int) -> None:
        """{layer: value} as the tags metric/layer."""
        for name, value in values.items():
            if np.isfinite(value):  # TensorBoard draws no inf; a layer of zeros has ratio inf
                self.scalar(f"{metric}/{name}", value, step)

    def histograms(self, kind: str, arrays: Mapping[str, np.ndarray], step: int) -> None:
        """{layer: values} as histograms tagged kind/layer (e.g. activations/layers.1)."""
        for name, values in arrays.items():
            values = np.asarray(values, dtype=np.float64).ravel()
            if values.size and np.all(np.isfinite(values)):
                self._writer.add_histogram(f"{kind}/{name}", values, step)

    def flush(self) -> None:
        """Write what is buffered to disk now."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()
