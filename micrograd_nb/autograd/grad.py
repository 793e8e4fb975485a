"""`grad()`: gradients of outputs with respect to chosen inputs, without touching `.grad`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .graph import Node, backpropagate, cycle_collector_paused, topological_order


def grad(
    outputs: Node | Sequence[Node],
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """d(sum of outputs * grad_outputs)/d(inputs), returned without touching any `.grad`.

    With `create_graph=True` the results are graph nodes that can be differentiated again
    (second derivatives, Hessian-vector products, gradient penalties).
    """
    outputs = [outputs] if isinstance(outputs, Node) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Node) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Node) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise ValueError(f"grad: input {i} does not require grad, so it has no gradient")

    seeds: dict = {}
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            if allow_unused:
                continue  # a constant output contributes no gradient
            raise ValueError(
                "grad: an output does not require grad (it depends on no input, e.g. the "
                "derivative of a linear function is a constant); pass allow_unused=True to get None"
            )
        if g is None:
            seed = out._seed_grad()
        elif create_graph and isinstance(g, Node):
            seed = g  # keep it a node: the result is then differentiable in grad_outputs too
        else:
            seed = out._check_grad_output(g)
        if create_graph and not isinstance(seed, Node):
            seed = type(out)._constant(seed, "grad_output")
        if not create_graph and isinstance(seed, Node):
            seed = seed.data
        seeds[id(out)] = seeds[id(out)] + seed if id(out) in seeds else seed

    with cycle_collector_paused():
        order = topological_order(outputs)
        grads = backpropagate(order, seeds, create_graph)
    results = []
    for i, x in enumerate(inputs):
        g = grads.get(id(x))
        if g is None and not allow_unused:
            raise ValueError(
                f"grad: input {i} is not used to compute the outputs, so its gradient is "
                "undefined; pass allow_unused=True to get None for it"
            )
        if g is not None and create_graph and not isinstance(g, Node):
            g = type(x)._constant(g, "grad")
        results.append(g)
    return tuple(results)
