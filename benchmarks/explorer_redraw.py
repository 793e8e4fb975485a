"""How fast the GradientFlowExplorer answers a control change, and how bursts coalesce.

Setting: depth 50, width 64, batch 128, ReLU/He, float32 (the issue's responsiveness case;
the budget is 250 ms from a change to a new picture). Each row is the median of several
changes (the seed control is changed, so every redraw builds a fresh network). Reference,
measured in the same run: one bare forward + backward of the same MLP with mg.nn.
Run: python benchmarks/explorer_redraw.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import micrograd_nb as mg
from micrograd_nb.nn import functional as F
from micrograd_nb.widgets import GradientFlowExplorer
from micrograd_nb.widgets._figure import png_bytes
from micrograd_nb.widgets.flow import blas_for_small_matrices, measure_flow

DEPTH, WIDTH, BATCH = 50, 64, 128
BUDGET_MS = 250.0
REPEATS = 9


def median_ms(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def bare_forward_backward() -> None:
    mg.manual_seed(0)
    model = mg.nn.MLP([WIDTH] * (DEPTH + 1), activation="relu", init="he", dtype=np.float32)
    rng = np.random.default_rng(0)
    x = mg.Tensor(rng.standard_normal((BATCH, WIDTH)), dtype=np.float32)
    t = mg.Tensor(rng.standard_normal((BATCH, WIDTH)), dtype=np.float32)
    F.mse_loss(model(x), t).backward()


def main() -> None:
    explorer = GradientFlowExplorer(
        depth=DEPTH, width=WIDTH, activation="relu", init="he", batch_size=BATCH
    )
    config = explorer.config()
    seeds = iter(range(1, 10_000))

    def change() -> None:  # what a slider move costs: compute, draw, encode the PNG
        explorer.seed.value = next(seeds)
        explorer.grad_norms  # noqa: B018 - make sure the redraw has happened

    bare_default = median_ms(bare_forward_backward)
    with blas_for_small_matrices():
        bare_single = median_ms(bare_forward_backward)
    compute = median_ms(lambda: measure_flow(config))
    draw = median_ms(lambda: (explorer._draw(), png_bytes(explorer.fig)))
    full = median_ms(change)

    print(f"GradientFlowExplorer redraw, depth {DEPTH}, width {WIDTH}, batch {BATCH} "
          f"(median of {REPEATS})")  # fmt: skip
    print(f"  reference: bare MLP forward+backward, default BLAS threads  {bare_default:7.1f} ms")
    print(f"  reference: bare MLP forward+backward, 1 BLAS thread         {bare_single:7.1f} ms")
    print(f"  measure_flow (build + forward + backward + norms)           {compute:7.1f} ms"
          f"  = {compute / bare_single:4.1f}x the 1-thread reference")  # fmt: skip
    print(f"  draw + PNG encode                                           {draw:7.1f} ms")
    print(f"  control change -> new picture (all of it)                   {full:7.1f} ms"
          f"  = {full / BUDGET_MS:4.2f}x the {BUDGET_MS:.0f} ms budget")  # fmt: skip

    # A slider drag: 40 change events before the scheduler gets to run. One redraw follows.
    pending = []
    burst = GradientFlowExplorer(depth=5, width=WIDTH, schedule=pending.append)
    before = burst.redraws
    for depth in range(6, 46):
        burst.depth.value = depth
    while pending:
        pending.pop()()
    print(f"  40 slider events in a burst -> {burst.redraws - before} redraw "
          f"(with depth {burst.result.config.depth}, the last value)")  # fmt: skip


if __name__ == "__main__":
    main()
