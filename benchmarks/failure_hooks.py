"""What errors that carry their graph cost when nothing fails: op overhead with and without the hooks.

The engine records a failed operation on its error through a try/except around each forward
(`Function.apply`, and Tensor's lean `_binary`/`_unary`) and around the backward loop
(`backpropagate`, `_backward_into_grad`). This benchmark builds copies of those functions with
the hooks taken out of their source (so "before" is always today's engine minus the hooks) and
times `op_overhead.py`'s chain of 1,000 ops on 4x4 arrays with each, the two taking turns.
Run: python benchmarks/failure_hooks.py
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from pathlib import Path

import numpy as np

import micrograd_nb as mg
from micrograd_nb.autograd import function, graph

sys.path.insert(0, str(Path(__file__).parent))
from op_overhead import N_OPS, best_times, mg_chain  # noqa: E402

#: what a hook's except clause calls: it records the failed op (and its graph) on the error
HOOK_CALLS = ("_failure", "failure.record_forward", "stop_pass")
# the module (`mg.tensor` is the factory function of the same name)
tensor = importlib.import_module("micrograd_nb.tensor")


class _RemoveHooks(ast.NodeTransformer):
    """try: X / except: record...; raise  ->  X;   with m, BackwardFailures(o, g) as s  ->  with m."""

    def __init__(self):
        self.removed = 0
        self.steps_name = None
        self.order_expr = None

    def visit_Try(self, node):
        self.generic_visit(node)
        if any(call in ast.unparse(h) for h in node.handlers for call in HOOK_CALLS):
            self.removed += 1
            if node.finalbody:  # keep `finally:` (it resets state), drop the except clauses
                node.handlers = []
                return node
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
    # (owner, name, module of its source, how it is stored on the owner)
    hooked = [
        (function.Function, "apply", function, classmethod),
        (tensor.Tensor, "_binary", tensor, staticmethod),
        (tensor.Tensor, "_unary", tensor, None),
        (graph, "backpropagate", graph, None),
        (graph, "_backward_into_grad", graph, None),
    ]
    originals = [vars(owner)[name] for owner, name, _, _ in hooked]
    bare = []
    for (_, _, module, kind), original in zip(hooked, originals):
        func = original.__func__ if kind else original
        stripped = without_hooks(func, module)
        bare.append(kind(stripped) if kind else stripped)

    def run(versions):
        def step():
            for (owner, name, _, _), version in zip(hooked, versions):
                setattr(owner, name, version)
            try:
                tw.grad = tb.grad = None
                mg_chain(tx, tw, tb)
            finally:
                for (owner, name, _, _), original in zip(hooked, originals):
                    setattr(owner, name, original)

        return step

    steps = {
        "without hooks": run(bare),
        "with hooks": run(originals),
    }
    best = best_times(steps, rounds=25)
    reference = best["without hooks"]
    print(f"chain of {N_OPS} ops on 4x4 float64, forward + backward (best of 25, interleaved)")
    for name, seconds in best.items():
        print(f"  {name:14s}: {seconds / N_OPS * 1e6:6.2f} µs/op  ({seconds / reference:.3f}x)")


if __name__ == "__main__":
    main()
