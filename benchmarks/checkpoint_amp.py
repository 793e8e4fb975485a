"""Memory and time of one training step: checkpointing and float16 autocast vs plain float32.

MLP of depth 64 and width 256 (Linear + ReLU), batch 256, float32 parameters. For each variant
it prints the step time (the fastest of several interleaved steps), the bytes of activations the graph holds
(`mg.memory.track_saved_memory`, recomputed segments included) and the peak of all NumPy
allocations during the step (tracemalloc), each as a ratio to plain float32 measured in the same
run. Targets: checkpointing with √depth segments ≤ 1/4 of the activation memory at ≤ 1.5x the
step time; autocast ≤ 1.5x the step time with half the activation memory.

    .venv/bin/python benchmarks/checkpoint_amp.py [--depth 64] [--width 256] [--batch 256]
                                                  [--numpy-conversions]

`--numpy-conversions` times autocast without the compiled (Numba) float16 conversions.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import micrograd_nb as mg
from micrograd_nb.amp import half
from micrograd_nb.memory import graph_memory, memory_stats, track_saved_memory
from micrograd_nb.utils import checkpoint_sequential


def build(depth: int, width: int) -> list:
    mg.manual_seed(0)
    layers = []
    for _ in range(depth):
        linear = mg.nn.Linear(width, width, dtype=np.float32)
        # He init keeps activations O(1) through 64 ReLU layers (the default shrinks them to
        # float32 subnormals, whose arithmetic is many times slower and would skew the timings).
        mg.nn.init.kaiming_normal_(linear.weight)
        mg.nn.init.zeros_(linear.bias)
        layers += [linear, mg.nn.ReLU()]
    return layers


def make_step(layers: list, x: mg.Tensor, segments: int, amp: bool):
    params = [p for m in layers for p in getattr(m, "parameters", list)()]

    def forward() -> mg.Tensor:
        with mg.amp.autocast(enabled=amp):
            h = checkpoint_sequential(layers, segments, x) if segments > 1 else x
            if segments <= 1:
                for m in layers:
                    h = m(h)
            return (h**2).mean()

    # Loss scaling, as in real float16 training: without it the small gradients of this loss
    # would be float16 subnormals (or zeros), and subnormal arithmetic is slow besides.
    scaler = mg.amp.GradScaler(enabled=amp)

    def step(tracker=None) -> float:
        for p in params:
            p.grad = None
        loss = scaler.scale(forward())
        if tracker is not None:
            tracker.sample(loss)
        loss.backward()
        scaler.unscale_(params)
        scaler.update()
        return loss.item()

    return forward, step


def measure_memory(name: str, layers, x, segments: int, amp: bool) -> dict:
    forward, step = make_step(layers, x, segments, amp)
    step()  # warm-up
    held = graph_memory(forward())
    with track_saved_memory() as tracker:
        step(tracker)
    with memory_stats() as stats:
        step()
    return {
        "name": name,
        "step": step,
        "times": [],
        "held": held.activation_bytes,
        "copies": held.parameter_copy_bytes,
        "saved_peak": tracker.peak_bytes,
        "alloc_peak": stats.peak_bytes,
    }


def time_steps(runs: list, repeats: int) -> None:
    """Interleave the variants, so a slow phase of the machine hits all of them alike."""
    for _ in range(repeats):
        for r in runs:
            t0 = time.perf_counter()
            r["step"]()
            r["times"].append(time.perf_counter() - t0)
    for r in runs:
        r["time"] = float(np.min(r["times"]))  # the least disturbed run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=64)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--numpy-conversions", action="store_true")
    args = parser.parse_args()
    half.use_compiled(not args.numpy_conversions)
    layers = build(args.depth, args.width)
    rng = np.random.default_rng(0)
    x = mg.Tensor(rng.standard_normal((args.batch, args.width)).astype(np.float32))
    segments = round(math.sqrt(args.depth))
    runs = [
        measure_memory("float32", layers, x, 1, False),
        measure_memory(f"float32, checkpoint {segments} segments", layers, x, segments, False),
        measure_memory("autocast float16", layers, x, 1, True),
        measure_memory(f"autocast + checkpoint {segments}", layers, x, segments, True),
    ]
    time_steps(runs, args.repeats)
    ref = runs[0]
    mib = 2**20
    conversions = "compiled" if half.is_compiled() else "NumPy"
    print(
        f"MLP depth {args.depth}, width {args.width}, batch {args.batch}; numpy {np.__version__}, "
        f"{conversions} float16 conversions"
    )
    print(
        f"{'variant':34s} {'step ms':>8s} {'x time':>7s} {'activations MiB':>16s} {'x mem':>6s} "
        f"{'peak saved MiB':>15s} {'x':>6s} {'fp16 W copies':>14s} {'alloc peak MiB':>15s} {'x':>6s}"
    )
    for r in runs:
        print(
            f"{r['name']:34s} {r['time'] * 1e3:8.1f} {r['time'] / ref['time']:7.2f} "
            f"{r['held'] / mib:16.2f} {r['held'] / ref['held']:6.3f} "
            f"{r['saved_peak'] / mib:15.2f} {r['saved_peak'] / ref['saved_peak']:6.3f} "
            f"{r['copies'] / mib:14.2f} {r['alloc_peak'] / mib:15.2f} "
            f"{r['alloc_peak'] / ref['alloc_peak']:6.3f}"
        )


if __name__ == "__main__":
    main()
