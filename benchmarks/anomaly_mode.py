"""Cost of `mg.detect_anomaly`: one training step of a small MLP with the mode off and on.

Run by hand: .venv/bin/python benchmarks/anomaly_mode.py
Prints the time per step with the mode off (the reference), on, and their ratio. With the mode
off the engine reads one flag per operation; with it on, every op records its creation site
and checks its output and gradients for NaN/inf.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

import micrograd_nb as mg


def step(model, x, y) -> None:
    model.zero_grad()
    mg.nn.functional.cross_entropy(model(x), y).backward()


def step_with_anomaly_mode(model, x, y) -> None:
    with mg.detect_anomaly():
        step(model, x, y)


def best_times(fns, repeats: int = 9, number: int = 20) -> list[float]:
    """Best time per call of each function, measured in alternation so load affects all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / number)
    return best


def main() -> None:
    mg.manual_seed(0)
    for sizes, batch in [([2, 16, 16, 2], 32), ([64, 128, 128, 10], 256)]:
        model = mg.nn.MLP(sizes)
        rng = np.random.default_rng(0)
        x = mg.Tensor(rng.normal(size=(batch, sizes[0])))
        y = rng.integers(0, sizes[-1], size=batch)
        args = (model, x, y)
        off, on = best_times([partial(step, *args), partial(step_with_anomaly_mode, *args)])
        print(
            f"MLP {sizes}, batch {batch}: off {off * 1e6:8.1f} us/step, "
            f"on {on * 1e6:8.1f} us/step, on/off = {on / off:.2f}x"
        )


if __name__ == "__main__":
    main()
