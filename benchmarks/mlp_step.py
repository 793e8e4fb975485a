"""One training step of an MLP 784-512-512-10 on `mg.Tensor` against hand-written NumPy.

Batch 256, float32, ReLU, softmax cross-entropy (mean), forward + backward. The NumPy
reference is the same step with the backward pass written out by hand; PyTorch CPU is timed
too when it is installed. All start from the same weights and must give the same loss and
gradients. Run: python benchmarks/mlp_step.py [--repeats N]
"""

from __future__ import annotations

import argparse
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


def numpy_step(x, y, params):
    """Forward and backward by hand: the reference a library should not be much slower than."""
    w1, b1, w2, b2, w3, b3 = params
    z1 = x @ w1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2 + b2
    h2 = np.maximum(z2, 0)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_p[rows, y].mean()
    # backward: softmax-CE gives (p - onehot)/N; linear layers give outer products
    dlogits = np.exp(log_p)
    dlogits[rows, y] -= 1
    dlogits /= len(y)
    dw3, db3 = h2.T @ dlogits, dlogits.sum(axis=0)
    dz2 = (dlogits @ w3.T) * (z2 > 0)
    dw2, db2 = h1.T @ dz2, dz2.sum(axis=0)
    dz1 = (dz2 @ w2.T) * (z1 > 0)
    dw1, db1 = x.T @ dz1, dz1.sum(axis=0)
    return loss, [dw1, db1, dw2, db2, dw3, db3]


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


def timeit(step, repeats: int) -> float:
    """Median seconds per call after two warm-up calls."""
    step()
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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

    # Interleave the two so that a slow moment of the machine hits both alike.
    t_np = timeit(lambda: numpy_step(x, y, raw_params), args.repeats)
    t_mg = timeit(lambda: mg_step(mg_x, y, mg_params), args.repeats)
    t_np = min(t_np, timeit(lambda: numpy_step(x, y, raw_params), args.repeats))
    t_mg = min(t_mg, timeit(lambda: mg_step(mg_x, y, mg_params), args.repeats))

    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, forward + backward")
    print(f"  NumPy by hand : {t_np * 1e3:7.2f} ms  (1.00x)")
    print(f"  mg.Tensor     : {t_mg * 1e3:7.2f} ms  ({t_mg / t_np:.2f}x NumPy)")
    try:
        import torch
    except ImportError:
        print("  PyTorch       : not installed (pip install torch to compare)")
        return
    torch.set_num_threads(max(1, torch.get_num_threads()))
    t_params = [torch.tensor(p, requires_grad=True) for p in raw_params]
    t_x, t_y = torch.tensor(x), torch.tensor(y)
    t_loss, t_grads = torch_step(torch, t_x, t_y, t_params)
    assert abs(t_loss - ref_loss) < 1e-4
    t_torch = timeit(lambda: torch_step(torch, t_x, t_y, t_params), args.repeats)
    print(f"  PyTorch CPU   : {t_torch * 1e3:7.2f} ms  ({t_torch / t_np:.2f}x NumPy)")


if __name__ == "__main__":
    main()
