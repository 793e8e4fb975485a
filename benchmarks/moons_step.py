"""micrograd's "moons" training step on `mg.Value` against the `micrograd` package.

MLP 2-16-16-1 on 100 points, SVM hinge loss + L2 regularisation, forward + backward;
both libraries start from the same weights and must produce the same loss and gradients.
Also times a 1,000,000-operation chain backward. Run: python benchmarks/moons_step.py
"""

from __future__ import annotations

import random
import sys
import time

import micrograd_nb as mg
from micrograd_nb.nn.scalar import MLP


def make_moons(n: int = 100, seed: int = 1):
    """Two interleaving half circles with labels ±1 (as in micrograd's demo)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], 1) + rng.normal(0, 0.1, (n, 2))
    return X.tolist(), [1.0 if u else -1.0 for u in upper]


def moons_loss(model, value_cls, X, y):
    """micrograd's demo loss: mean hinge loss + 1e-4 * sum of squared parameters."""
    inputs = [list(map(value_cls, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def step(model, value_cls, X, y):
    model.zero_grad()
    loss = moons_loss(model, value_cls, X, y)
    loss.backward()
    return loss


def best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def chain_backward(n: int) -> float:
    """Seconds to build and backpropagate through a chain of n operations."""
    t0 = time.perf_counter()
    x = mg.Value(0.5)
    y = x
    for _ in range(n):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    del y
    return time.perf_counter() - t0


def main(repeats: int = 5) -> None:
    X, y = make_moons()
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    print(f"moons step: MLP 2-16-16-1, {len(X)} points, hinge + L2, forward+backward")
    t_ours = best_time(lambda: step(ours, mg.Value, X, y), repeats)
    print(f"  micrograd_nb.Value : {t_ours * 1e3:8.2f} ms")
    try:
        import micrograd.engine
        import micrograd.nn
    except ImportError:
        print("  micrograd not installed (pip install micrograd): no ratio")
    else:
        theirs = micrograd.nn.MLP(2, [16, 16, 1])
        for p, q in zip(theirs.parameters(), ours.parameters()):
            p.data = q.data
        loss_theirs = step(theirs, micrograd.engine.Value, X, y)
        loss_ours = step(ours, mg.Value, X, y)
        max_grad_diff = max(
            abs(p.grad - q.grad) for p, q in zip(theirs.parameters(), ours.parameters())
        )
        print(f"  loss: micrograd {loss_theirs.data!r}  micrograd_nb {loss_ours.data!r}")
        print(f"  largest gradient difference: {max_grad_diff:.3g}")
        t_theirs = best_time(lambda: step(theirs, micrograd.engine.Value, X, y), repeats)
        print(f"  micrograd          : {t_theirs * 1e3:8.2f} ms")
        print(f"  speed-up           : {t_theirs / t_ours:8.2f}x (target >= 5x)")
    n = 1_000_000 if "--quick" not in sys.argv else 100_000
    print(f"chain of {n:,} operations, forward+backward: {chain_backward(n):.2f} s")


if __name__ == "__main__":
    main()
