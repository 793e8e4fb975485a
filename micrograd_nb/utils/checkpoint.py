"""Gradient checkpointing: keep only segment boundaries, recompute the inside during backward.

Training keeps every activation of the forward pass until backward has used it, so memory grows
with depth. `checkpoint(fn, x)` runs `fn` and keeps only its input and output; when backward
reaches it, `fn` runs again (from the kept input) with the graph recorded, and its gradients
are taken from that fresh graph. Split a depth-n network into √n segments and memory falls from
O(n) to O(√n) activations, for about one extra forward pass.

Parameters that `fn` uses (for example a module's weights, closed over) are found while the
first forward pass runs and become inputs of the checkpoint node, so their gradients flow
through the ordinary backward pass (and `mg.grad`) like any other input's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import (
    Context,
    Function,
    Node,
    enable_grad,
    grad,
    is_grad_enabled,
    topological_order,
)
from ..autograd.mode import get_autocast_policy, is_forward_mode, set_autocast_policy
from ..memory import note_recomputed, track_saved_memory


class _Segment:
    """What a checkpoint node needs to run its function again: fn, the arguments' layout."""

    __slots__ = ("fn", "args", "node_positions", "n_params", "rng_state", "autocast_policy")

    def __init__(self, fn: Callable, args: tuple, node_positions: list[int]):
        self.fn = fn
        self.args = args  # non-node arguments are kept as they are; nodes are re-supplied
        self.node_positions = node_positions
        self.n_params = 0
        # The recomputation must run exactly like the first pass: same random numbers (dropout
        # masks) and same mixed-precision policy (backward usually runs outside `autocast`).
        self.rng_state = np.random.get_state()
        self.autocast_policy = get_autocast_policy()

    def run(self, nodes: list) -> Any:
        args = list(self.args)
        for position, node in zip(self.node_positions, nodes):
            args[position] = node
        return self.fn(*args)

    def __repr__(self) -> str:
        return getattr(self.fn, "__name__", type(self.fn).__name__)


def _detached(x: Node) -> Node:
    """A new leaf with x's data that requires grad as x does (the recomputation's input)."""
    leaf = x.detach()
    leaf.requires_grad = x.requires_grad
    return leaf


class Checkpoint(Function):
    """y = fn(x, θ) keeping only x and y; backward recomputes fn and differentiates the copy."""

    name = "checkpoint"

    @staticmethod
    def forward(ctx, *raw, segment):  # pragma: no cover - `checkpoint` builds the node directly
        raise RuntimeError("Checkpoint nodes are made by mg.utils.checkpoint(fn, *args)")

    @staticmethod
    def backward(ctx, grad_out):
        segment: _Segment = ctx.segment
        n_args = len(ctx.inputs) - segment.n_params
        args, params = list(ctx.inputs[:n_args]), list(ctx.inputs[n_args:])
        differentiable = isinstance(grad_out, Node)
        # Replay the forward pass's random state and autocast policy (see _Segment).
        saved_rng, saved_policy = np.random.get_state(), get_autocast_policy()
        np.random.set_state(segment.rng_state)
        set_autocast_policy(segment.autocast_policy)
        try:
            with enable_grad():
                # For a gradient of the gradient, rebuild on the real inputs so the result
                # stays connected to them; otherwise on detached copies (a separate graph).
                inputs = args if differentiable else [_detached(x) for x in args]
                out = segment.run(inputs)
                if track_saved_memory._active:
                    note_recomputed(out)
                wanted = [x for x in inputs + params if x.requires_grad]
                grads = ()
                if wanted and out.requires_grad:
                    grads = grad(
                        out, wanted, grad_out, create_graph=differentiable, allow_unused=True
                    )
        finally:
            np.random.set_state(saved_rng)
            set_autocast_policy(saved_policy)
        by_id = {id(x): g for x, g in zip(wanted, grads)}
        return tuple(by_id.get(id(x)) for x in inputs + params)


def checkpoint(fn: Callable, *args: Any) -> Node:
    """fn(*args), keeping only the inputs and the output for backward (recomputed there)."""
    node_positions = [i for i, a in enumerate(args) if isinstance(a, Node)]
    if not node_positions:
        raise TypeError("checkpoint: pass at least one Tensor argument to fn")
    nodes = [args[i] for i in node_positions]
    if not is_grad_enabled() or is_forward_mode():
        # Nothing will be differentiated in reverse (or tangents must flow through fn in
        # forward mode, which keeps nothing anyway): an ordinary call.
        return fn(*args)
    segment = _Segment(fn, args, node_positions)
    # Run fn once with the graph recorded on detached inputs: that finds the parameters fn
    # uses; then drop that graph and keep only the output's data.
    inputs = [_detached(x) for x in nodes]
    with enable_grad():
        out = segment.run(inputs)
    if not isinstance(out, Node):
        raise TypeError(
            f"checkpoint: fn must return one Tensor, got {type(out).__name__}; "
            "wrap functions with several outputs so that they return one"
        )
    input_ids = {id(x) for x in inputs}
    params = [
        x
        for x in topological_order([out])
        if x.is_leaf and x.requires_grad and id(x) not in input_ids
    ]
    data = out.data
    del out, inputs  # the segment's graph is freed here: that is the memory saved
    segment.n_params = len(params)
    ctx = Context(Checkpoint, tuple(nodes + params))
    ctx.segment = segment
    ctx.save_for_backward(*[x.data for x in nodes])
    ctx.note_saved_versions()  # detects in-place changes of the inputs
    requires_grad = True in ctx.needs_input_grad
    return nodes[0]._from_op(data, ctx if requires_grad else None, requires_grad)


def checkpoint_sequential(modules: Iterable[Callable], segments: int, x: Node) -> Node:
    """Run modules one after another in `segments` chunks, each one checkpointed."""
    modules = list(modules)
    if not 1 <= segments <= max(len(modules), 1):
        raise ValueError(
            f"checkpoint_sequential: segments must lie in 1..{len(modules)} (one per module at "
            f"most), got {segments}"
        )
    bounds = np.linspace(0, len(modules), segments + 1).round().astype(int)
    spans = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))

    def run_span(start: int, stop: int) -> Callable:
        def run(h):
            for module in modules[start:stop]:
                h = module(h)
            return h

        run.__name__ = f"layers[{start}:{stop}]"
        return run

    # Unlike PyTorch, the last chunk is checkpointed too: here a graph's arrays are freed only
    # when the whole graph is dropped after backward, so a plain last chunk would stay in memory
    # while every other chunk is being recomputed.
    for start, stop in spans:
        x = checkpoint(run_span(start, stop), x)
    return x
