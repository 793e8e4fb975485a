"""Per-operation overhead of `mg.Tensor` on tiny arrays, where bookkeeping dominates.

A chain of 1,000 operations on 4x4 float64 arrays (cycling through *, +, tanh, -),
forward + backward, against the same chain with its backward written by hand in NumPy
(the floor: one NumPy call per op each way), and PyTorch's CPU autograd on the same chain.
Target: mg.Tensor's time per op at most PyTorch's in the same run (aim: half of it).
Run: python benchmarks/op_overhead.py
"""

from __future__ import annotations

import time

import numpy as np

import micrograd_nb as mg

N_OPS = 1000


def mg_chain(x0: mg.Tensor, w: mg.Tensor, b: mg.Tensor) -> None:
    h = x0
    for _ in range(N_OPS // 4):
        h = h * w  # 4 ops per round
        h = h + b
        h = h.tanh()
        h = h - 0.5
    h.sum().backward()


def numpy_chain(x0: np.ndarray, w: np.ndarray, b: np.ndarray) -> None:
    # forward, keeping what backward needs
    h = x0
    saved = []
    for _ in range(N_OPS // 4):
        saved.append(h)
        h = h * w
        h = h + b
        h = np.tanh(h)
        saved.append(h)
        h = h - 0.5
    # backward by hand
    g = np.ones_like(h)
    gw = np.zeros_like(w)
    gb = np.zeros_like(b)
    for i in range(N_OPS // 4 - 1, -1, -1):
        t = saved[2 * i + 1]
        g = g * (1 - t * t)
        gb += g
        gw += g * saved[2 * i]
        g = g * w


def best_times(steps: dict, rounds: int = 15) -> dict:
    """Fastest seconds per call of each step, the steps taking turns (one warm-up each).

    The minimum, as `timeit` recommends: on a shared machine slower runs measure the other
    work, not this code.
    """
    for step in steps.values():
        step()
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def main() -> None:
    rng = np.random.default_rng(0)
    x0, w, b = (rng.standard_normal((4, 4)) for _ in range(3))
    tx, tw, tb = mg.Tensor(x0), mg.Tensor(w, requires_grad=True), mg.Tensor(b, requires_grad=True)

    def run_mg():
        tw.grad = tb.grad = None
        mg_chain(tx, tw, tb)

    steps = {"NumPy by hand": lambda: numpy_chain(x0, w, b), "mg.Tensor": run_mg}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        tt = [torch.tensor(a, requires_grad=r) for a, r in ((x0, False), (w, True), (b, True))]

        def run_torch():
            tt[1].grad = tt[2].grad = None
            h = tt[0]
            for _ in range(N_OPS // 4):
                h = torch.tanh(h * tt[1] + tt[2]) - 0.5
            h.sum().backward()

        steps["PyTorch CPU"] = run_torch

    best = best_times(steps)
    reference = best["NumPy by hand"]
    torch_time = best.get("PyTorch CPU")
    print(f"chain of {N_OPS} ops on 4x4 float64, forward + backward (best of 15, interleaved)")
    for name, seconds in best.items():
        target = "; target <= PyTorch's" if name == "mg.Tensor" else ""
        print(
            f"  {name:14s}: {seconds / N_OPS * 1e6:6.2f} µs/op  "
            f"({seconds / reference:.2f}x NumPy{target})"
        )
    if torch_time:
        print(f"  mg.Tensor / PyTorch: {best['mg.Tensor'] / torch_time:.2f}x")


if __name__ == "__main__":
    main()
