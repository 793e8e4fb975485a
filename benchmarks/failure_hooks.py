"""What errors that carry their graph cost when nothing fails: op overhead with and without the hooks.

The engine records a failed operation on its error through a try/except around each forward
(`Function.apply`) and an iterator around the backward loop (`backpropagate`). This benchmark
builds copies of those two functions with the hooks taken out of their source (so "before" is
always today's engine minus the hooks) and times `op_overhead.py`'s chain of 1,000 ops on 4x4
arrays with each, the two taking turns.
Run: python benchmarks/failure_hooks.py
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from pathlib import Path

import numpy as np

import micrograd_nb as mg
from micrograd_nb.autograd import function, graph

sys.path.insert(0, str(Path(__file__).parent))
from op_overhead import N_OPS, best_times, mg_chain  # noqa: E402


class _RemoveHooks(ast.NodeTransformer):
    """try: X / except: record...; raise  ->  X;   with m, BackwardFailures(o, g) as s  ->  with m."""

    def __init__(self):
        self.removed = 0
        self.steps_name = None
        self.order_expr = None

    def visit_Try(self, node):
        self.generic_visit(node)
        if any("_failure" in ast.unparse(handler) for handler in node.handlers):
            self.removed += 1
            return node.body
        return node

    def visit_With(self, node):
        kept = []
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "BackwardFailures":
                self.removed += 1
                self.steps_name = item.optional_vars.id
                self.order_expr = call.args[0]
            else:
                kept.append(item)
        node.items = kept
        self.generic_visit(node)
        return node

    def visit_Name(self, node):
        if self.steps_name is not None and node.id == self.steps_name:
            return ast.Call(ast.Name("reversed", ast.Load()), [self.order_expr], [])
        return node


def without_hooks(func, module):
    """`func` recompiled from its source with the failure hooks removed."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    transformer = _RemoveHooks()
    tree = ast.fix_missing_locations(transformer.visit(tree))
    if transformer.removed == 0:
        raise RuntimeError(f"no failure hook found in {func.__qualname__}: update this benchmark")
    definition = tree.body[0]
    definition.decorator_list = []
    namespace = dict(vars(module))
    exec(compile(tree, module.__file__, "exec"), namespace)
    return namespace[definition.name]


def main() -> None:
    rng = np.random.default_rng(0)
    x0, w, b = (rng.standard_normal((4, 4)) for _ in range(3))
    tx, tw, tb = mg.Tensor(x0), mg.Tensor(w, requires_grad=True), mg.Tensor(b, requires_grad=True)
    hooked_apply, hooked_backprop = function.Function.__dict__["apply"], graph.backpropagate
    bare_apply = classmethod(without_hooks(hooked_apply.__func__, function))
    bare_backprop = without_hooks(hooked_backprop, graph)

    def run(apply, backprop):
        def step():
            function.Function.apply, graph.backpropagate = apply, backprop
            try:
                tw.grad = tb.grad = None
                mg_chain(tx, tw, tb)
            finally:
                function.Function.apply, graph.backpropagate = hooked_apply, hooked_backprop

        return step

    steps = {
        "without hooks": run(bare_apply, bare_backprop),
        "with hooks": run(hooked_apply, hooked_backprop),
    }
    best = best_times(steps, rounds=25)
    reference = best["without hooks"]
    print(f"chain of {N_OPS} ops on 4x4 float64, forward + backward (best of 25, interleaved)")
    for name, seconds in best.items():
        print(f"  {name:14s}: {seconds / N_OPS * 1e6:6.2f} µs/op  ({seconds / reference:.3f}x)")


if __name__ == "__main__":
    main()
