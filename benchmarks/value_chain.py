"""A chain of 1,000,000 `Value` operations, forward and backward (target: <= 5 s in all).

y = x·1, then y·1 again, a million times; then y.backward(). micrograd cannot run this (its
topological sort is recursive), so the reference measured in the same run is a plain Python
loop doing the same multiplications on floats. Run: python benchmarks/value_chain.py [--n N]
"""

from __future__ import annotations

import argparse
import time

import micrograd_nb as mg


def chain(n: int) -> tuple[float, float]:
    """Seconds to build a chain of n products, and to backpropagate through it."""
    t0 = time.perf_counter()
    x = mg.Value(0.5)
    y = x
    for _ in range(n):
        y = y * 1.0
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    assert x.grad == 1.0
    return t1 - t0, t2 - t1


def floats(n: int) -> float:
    t0 = time.perf_counter()
    y = 0.5
    for _ in range(n):
        y = y * 1.0
    return time.perf_counter() - t0


def main(n: int) -> None:
    reference = floats(n)
    forward, backward = chain(n)
    total = forward + backward
    print(f"chain of {n:,} Value operations")
    print(f"  forward  : {forward:6.2f} s")
    print(f"  backward : {backward:6.2f} s")
    print(f"  total    : {total:6.2f} s  (target <= 5 s for 1,000,000)")
    print(f"  per op   : {total / n * 1e6:6.2f} µs, {total / reference:.0f}x a float multiply loop")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    main(parser.parse_args().n)
