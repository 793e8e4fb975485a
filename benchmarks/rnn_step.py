"""LSTM and GRU forward + backward on `mg.Tensor` against PyTorch CPU, in the same run.

Batch 32, 50 time steps, input 32, hidden 128, float32; the loss is the sum of the squared
outputs, so the gradient reaches every step. Both libraries start from the same weights (the
state_dict of the PyTorch layer, converted to NumPy, loaded with `load_state_dict`); the
largest differences of outputs and gradients are printed next to the time ratio.
Target: at most 2.5x PyTorch's time. Run: python benchmarks/rnn_step.py [--repeats N]
(needs `pip install torch==2.13.0` for the comparison; without it only mg is timed).

Both run on one thread (BLAS and PyTorch's intra-op pool): on a shared machine, thread pools
that wait for each other make times swing wildly, and one thread each is the fair comparison.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before NumPy and PyTorch load their BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import micrograd_nb as mg  # noqa: E402

BATCH, STEPS, INPUT, HIDDEN = 32, 50, 32, 128


def mg_step(layer, x):
    """Forward and backward of the whole sequence; the output and the parameters' gradients."""
    layer.zero_grad()
    output, _ = layer(x)
    (output * output).sum().backward()
    return output.data, {name: p.grad for name, p in layer.named_parameters()}


def torch_step(layer, x):
    layer.zero_grad()
    output, _ = layer(x)
    (output * output).sum().backward()
    return output, {name: p.grad for name, p in layer.named_parameters()}


def median_time(step, repeats: int) -> float:
    """Median seconds per call after one warm-up call."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(kind: str, repeats: int, x: np.ndarray) -> None:
    mg_layer = getattr(mg.nn, kind)(INPUT, HIDDEN, dtype=np.float32)
    mg_x = mg.Tensor(x)
    mg_time = median_time(lambda: mg_step(mg_layer, mg_x), repeats)
    try:
        import torch
    except ImportError:
        print(f"  {kind}: mg.Tensor {mg_time * 1e3:7.2f} ms; PyTorch not installed "
              "(pip install torch==2.13.0 to compare)")  # fmt: skip
        return
    torch.set_num_threads(1)
    torch.manual_seed(0)
    torch_layer = getattr(torch.nn, kind)(INPUT, HIDDEN)
    state = {name: value.detach().numpy() for name, value in torch_layer.state_dict().items()}
    mg_layer.load_state_dict(state)
    t_x = torch.tensor(x)
    out, grads = mg_step(mg_layer, mg_x)
    t_out, t_grads = torch_step(torch_layer, t_x)
    out_diff = float(np.abs(out - t_out.detach().numpy()).max())
    grad_diff = max(
        float(np.abs(grads[n] - t_grads[n].numpy()).max() / (np.abs(t_grads[n].numpy()).max()))
        for n in grads
    )
    # Interleave the two so that a busy moment of the machine slows both alike.
    mg_times, torch_times = [], []
    for _ in range(3):
        mg_times.append(median_time(lambda: mg_step(mg_layer, mg_x), max(1, repeats // 3)))
        torch_times.append(median_time(lambda: torch_step(torch_layer, t_x), max(1, repeats // 3)))
    mg_time, torch_time = statistics.median(mg_times), statistics.median(torch_times)
    print(
        f"  {kind:4s}: mg.Tensor {mg_time * 1e3:7.2f} ms, PyTorch {torch_time * 1e3:7.2f} ms: "
        f"{mg_time / torch_time:.2f}x PyTorch's time (target ≤ 2.5x); max |Δoutput| "
        f"{out_diff:.1e}, max relative |Δgrad| {grad_diff:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_normal((STEPS, BATCH, INPUT)).astype(np.float32)
    print(f"batch {BATCH}, {STEPS} steps, input {INPUT}, hidden {HIDDEN}, float32, "
          f"forward + backward (median of {args.repeats} runs)")  # fmt: skip
    for kind in ("LSTM", "GRU"):
        compare(kind, args.repeats, x)


if __name__ == "__main__":
    main()
