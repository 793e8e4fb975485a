"""micrograd's "moons" training step on `mg.Value` against the `micrograd` package.

MLP 2-16-16-1 on 100 points, SVM hinge loss + L2 regularisation, forward + backward, built two
ways on micrograd_nb: with explicit Value arithmetic (`s = s + w*x`, as the micrograd lecture
writes a neuron; micrograd runs the very same code) and with `nn.scalar`'s MLP (one weighted-sum
node per neuron). Every variant starts from the same weights and must give micrograd's loss and
gradients. Timed twice: one step from a collected heap, and a learner's loop of 5 SGD steps
(the previous graph alive while the next is built, the cycle collector left to itself).
Targets: explicit arithmetic >= 5x faster than micrograd, nn.scalar >= 15x.
Run: python benchmarks/moons_step.py [--repeats N]
"""

from __future__ import annotations

import argparse
import gc
import random
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


class ExplicitMLP:
    """micrograd's MLP written out with operators, for any Value class (ReLU but the last layer)."""

    def __init__(self, value_cls, weights: list[list[tuple[list[float], float]]]):
        # weights[layer][neuron] = (w list, b)
        self.layers = [
            [([value_cls(w) for w in ws], value_cls(b)) for ws, b in layer] for layer in weights
        ]

    def __call__(self, x):
        last = len(self.layers) - 1
        for depth, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                s = b
                for wi, xi in zip(ws, x):
                    s = s + wi * xi
                out.append(s.relu() if depth != last else s)
            x = out
        return x[0]

    def parameters(self) -> list:
        return [p for layer in self.layers for ws, b in layer for p in [*ws, b]]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


def weights_of(model: MLP) -> list:
    """The (w, b) numbers of every neuron of an nn.scalar MLP."""
    return [[([w.data for w in n.w], n.b.data) for n in layer.neurons] for layer in model.layers]


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


def train(model_of, value_cls, X, y, steps: int = 5) -> None:
    """A learner's loop: `steps` SGD steps on a fresh copy of the model, the collector left to
    itself (the previous step's graph is still alive while the next one is built)."""
    model = model_of()
    for _ in range(steps):
        loss = step(model, value_cls, X, y)
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    return loss


def best_times(steps: dict, repeats: int) -> dict:
    """Fastest seconds of each step, the steps taking turns (slower runs measure other work).

    The cycle collector stays on (learners run with it), but each run starts from a collected
    heap, so that no library pays for another's uncollected garbage. What a run returns (a
    graph) is let go after the clock stops: micrograd's graphs are reference cycles that only a
    later collection frees, micrograd_nb's are freed at once, and neither belongs to forward +
    backward. The loop of SGD steps times everything, freeing and collecting included.
    """
    times = {name: float("inf") for name in steps}
    for _ in range(repeats):
        for name, fn in steps.items():
            gc.collect()
            t0 = time.perf_counter()
            result = fn()
            times[name] = min(times[name], time.perf_counter() - t0)
            del result
    return times


def main(repeats: int) -> None:
    import micrograd.engine
    import micrograd.nn

    X, y = make_moons()
    random.seed(1337)
    fused = MLP(2, [16, 16, 1])
    weights = weights_of(fused)
    explicit = ExplicitMLP(mg.Value, weights)
    reference = ExplicitMLP(micrograd.engine.Value, weights)
    theirs = micrograd.engine.Value
    variants = {
        "micrograd": (reference, theirs),
        "mg.Value, explicit s = s + w*x": (explicit, mg.Value),
        "mg nn.scalar MLP (fused neuron)": (fused, mg.Value),
    }
    print(f"moons step: MLP 2-16-16-1, {len(X)} points, hinge + L2, forward+backward")
    loss_ref = step(reference, theirs, X, y).data
    grads_ref = [p.grad for p in reference.parameters()]
    for name, (model, value_cls) in variants.items():
        loss = step(model, value_cls, X, y).data
        diff = max(abs(p.grad - g) for p, g in zip(model.parameters(), grads_ref))
        assert abs(loss - loss_ref) <= 1e-12 and diff <= 1e-12, (name, loss, loss_ref, diff)
    print(f"  loss {loss_ref!r} and gradients equal in every variant (to 1e-12)")
    steps = {name: (lambda m=m, v=v: step(m, v, X, y)) for name, (m, v) in variants.items()}
    report("one step, from a collected heap", best_times(steps, repeats))
    copies = {
        "micrograd": (lambda: ExplicitMLP(theirs, weights), theirs),
        "mg.Value, explicit s = s + w*x": (lambda: ExplicitMLP(mg.Value, weights), mg.Value),
        "mg nn.scalar MLP (fused neuron)": (lambda: _copy_of(fused), mg.Value),
    }
    loops = {name: (lambda m=m, v=v: train(m, v, X, y)) for name, (m, v) in copies.items()}
    report("a loop of 5 SGD steps", best_times(loops, max(1, repeats // 2)))


def _copy_of(model: MLP) -> MLP:
    """An nn.scalar MLP with the same weights (training changes them)."""
    copy = MLP(2, [16, 16, 1])
    for p, q in zip(copy.parameters(), model.parameters()):
        p.data = q.data
    return copy


def report(title: str, best: dict) -> None:
    print(f"  {title}:")
    targets = {"explicit": ">= 5x, aim 10x", "fused": ">= 15x"}
    for name, seconds in best.items():
        ratio = best["micrograd"] / seconds
        target = next((f"  (target {t})" for key, t in targets.items() if key in name), "")
        print(f"    {name:34s}: {seconds * 1e3:8.2f} ms  {ratio:6.2f}x micrograd's speed{target}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
