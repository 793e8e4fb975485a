"""One training step of an MLP 784-512-512-10 on `mg.Tensor` against hand-written NumPy.

Batch 256, float32, ReLU, softmax cross-entropy (mean), forward + backward. The NumPy
reference is the same step with the backward pass written out by hand; PyTorch CPU is timed
too when it is installed. All start from the same weights and must give the same loss and
gradients. Run: python benchmarks/mlp_step.py [--repeats N]

On a machine busy with other work, multi-threaded BLAS times swing wildly (threads wait for
each other); `OPENBLAS_NUM_THREADS=1 python benchmarks/mlp_step.py` gives steadier ratios.
PyTorch is then given the same number of threads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import micrograd_nb as mg
from micrograd_nb.nn import functional as F

SIZES = (784, 512, 512, 10)
BATCH = 256


def make_problem(seed: int = 0):
    """Random float32 data, integer labels and He-initialised weights (W: fan_in x fan_out)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        w = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        b = np.zeros(fan_out, dtype=np.float32)
        params += [w, b]
    return x, y, params


def softmax_cross_entropy(logits, y):
    """(mean -log softmax(logits)[y], its gradient (p - onehot)/N), by hand."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_p[rows, y].mean()
    dlogits = np.exp(log_p)
    dlogits[rows, y] -= 1
    dlogits /= len(y)
    return loss, dlogits


def numpy_step(x, y, params):
    """Forward and backward by hand: the reference a library should not be much slower than."""
    w1, b1, w2, b2, w3, b3 = params
    z1 = x @ w1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2 + b2
    h2 = np.maximum(z2, 0)
    logits = h2 @ w3 + b3
    loss, dlogits = softmax_cross_entropy(logits, y)
    # backward: linear layers give outer products
    dw3, db3 = h2.T @ dlogits, dlogits.sum(axis=0)
    dz2 = (dlogits @ w3.T) * (z2 > 0)
    dw2, db2 = h1.T @ dz2, dz2.sum(axis=0)
    dz1 = (dz2 @ w2.T) * (z1 > 0)
    dw1, db1 = x.T @ dz1, dz1.sum(axis=0)
    return loss, [dw1, db1, dw2, db2, dw3, db3]


def numpy_step_keeping_all(x, y, params):
    """The same step by hand, keeping what mg keeps: every intermediate value and adjoint in
    an array of its own (`x @ W` and the bias sum, a relu output's adjoint and its input's),
    where `numpy_step` lets NumPy add the bias and the relu mask into the product in place."""
    w1, b1, w2, b2, w3, b3 = params
    m1 = x @ w1
    z1 = m1 + b1
    h1 = np.maximum(z1, 0)
    m2 = h1 @ w2
    z2 = m2 + b2
    h2 = np.maximum(z2, 0)
    m3 = h2 @ w3
    logits = m3 + b3
    loss, dlogits = softmax_cross_entropy(logits, y)
    dw3, db3 = h2.T @ dlogits, dlogits.sum(axis=0)
    dh2 = dlogits @ w3.T
    dz2 = dh2 * (z2 > 0)
    dw2, db2 = h1.T @ dz2, dz2.sum(axis=0)
    dh1 = dz2 @ w2.T
    dz1 = dh1 * (z1 > 0)
    dw1, db1 = x.T @ dz1, dz1.sum(axis=0)
    kept = (m1, z1, h1, m2, z2, h2, m3, logits, dh2, dz2, dh1, dz1)
    return loss, [dw1, db1, dw2, db2, dw3, db3], kept


def mg_step(x, y, params):
    """The same step on mg.Tensor: write the forward pass, let backward() do the rest."""
    for p in params:
        p.grad = None
    h = x
    for i in range(0, len(params) - 2, 2):
        h = F.relu(h @ params[i] + params[i + 1])
    logits = h @ params[-2] + params[-1]
    loss = F.cross_entropy(logits, y)
    loss.backward()
    return loss.item(), [p.grad for p in params]


def torch_step(torch, x, y, params):
    for p in params:
        p.grad = None
    h = x
    for i in range(0, len(params) - 2, 2):
        h = torch.relu(h @ params[i] + params[i + 1])
    logits = h @ params[-2] + params[-1]
    loss = torch.nn.functional.cross_entropy(logits, y)
    loss.backward()
    return loss.item(), [p.grad for p in params]


def time_interleaved(steps: dict, repeats: int, block: int = 5) -> dict:
    """Median seconds per call of each step.

    The steps take turns in blocks of `block` calls, so that a busy moment of the machine
    slows all of them alike; the first call of each block is not timed, so that each step
    runs with the memory allocator in its own steady state (not the one the previous step
    left behind, which changes how many page faults the next step takes).
    """
    times = {name: [] for name in steps}
    rounds = max(1, -(-repeats // (block - 1)))
    for _ in range(rounds):
        for name, step in steps.items():
            step()
            for _ in range(block - 1):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def blas_threads() -> int | None:
    """The thread count NumPy's BLAS was told to use through the environment, if any."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    x, y, raw_params = make_problem()
    mg_params = [mg.Tensor(p, requires_grad=True) for p in raw_params]
    mg_x = mg.Tensor(x)

    ref_loss, ref_grads = numpy_step(x, y, raw_params)
    loss, grads = mg_step(mg_x, y, mg_params)
    assert abs(loss - ref_loss) < 1e-4, (loss, ref_loss)
    for g, r in zip(grads, ref_grads):
        assert g.dtype == np.float32 and np.allclose(g, r, rtol=1e-3, atol=1e-5)
    kept_loss, kept_grads, _ = numpy_step_keeping_all(x, y, raw_params)
    assert kept_loss == ref_loss and all(
        np.array_equal(g, r) for g, r in zip(kept_grads, ref_grads)
    )

    # Like `.grad` in mg and PyTorch, the reference keeps its gradients until the next step
    # (an optimizer needs them). Dropping them at once instead lets the allocator reuse the
    # memory and skip page faults, so that variant is shown too, for the record.
    held: dict = {}

    def numpy_step_held():
        held.clear()
        held["loss"], held["grads"] = numpy_step(x, y, raw_params)

    # mg keeps every node's value and adjoint (they can be drawn); this reference keeps them too
    def numpy_keeping_all_held():
        held.clear()
        held["loss"], held["grads"], held["kept"] = numpy_step_keeping_all(x, y, raw_params)

    steps = {
        "NumPy by hand": numpy_step_held,
        "mg.Tensor": lambda: mg_step(mg_x, y, mg_params),
        "NumPy, grads dropped at once": lambda: numpy_step(x, y, raw_params),
        "NumPy keeping every adjoint": numpy_keeping_all_held,
    }
    medians = time_interleaved(steps, args.repeats)
    reference = medians["NumPy by hand"]
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, forward + backward")
    print(f"(median of {args.repeats} interleaved runs)")
    for name, seconds in medians.items():
        print(f"  {name:28s}: {seconds * 1e3:7.2f} ms  ({seconds / reference:.2f}x NumPy)")

    try:
        import torch
    except ImportError:
        print("  PyTorch CPU                 : not installed (pip install torch to compare)")
        return
    # Timed in its own loop: PyTorch's OpenMP threads spin after each call and would slow
    # the NumPy runs interleaved with them.
    threads = blas_threads()
    if threads:  # the same number of threads as NumPy's BLAS
        torch.set_num_threads(threads)
    t_params = [torch.tensor(p, requires_grad=True) for p in raw_params]
    t_x, t_y = torch.tensor(x), torch.tensor(y)
    t_loss, t_grads = torch_step(torch, t_x, t_y, t_params)
    assert abs(t_loss - ref_loss) < 1e-4
    t_torch = time_interleaved(
        {"torch": lambda: torch_step(torch, t_x, t_y, t_params)}, args.repeats
    )
    t_np = time_interleaved({"numpy": numpy_step_held}, args.repeats)
    ratio = t_torch["torch"] / t_np["numpy"]
    label = f"PyTorch CPU, {torch.get_num_threads()} thread(s)"
    print(f"  {label:28s}: {t_torch['torch'] * 1e3:7.2f} ms  ({ratio:.2f}x NumPy, own loop)")


if __name__ == "__main__":
    main()
