"""`backward()` on a graph of `Value`s: the lean pass, reading each node's own op record.

It runs the nodes in the same order as the general pass (`autograd.graph`: newest first) and
adds the same gradients in the same order, so the results are equal to the last bit; it only
skips what floats never need (shape fitting, in-place version checks), reads a node's inputs
from its slots instead of building a tuple per node, and for an elementwise op multiplies the
output's gradient by the rule's `partials` itself (the chain rule: ā += ȳ·∂out/∂a).
Anomaly mode takes the general pass.
"""

from __future__ import annotations

import enum
from typing import Any

from .autograd.graph import Node, check_rule_result, creation_number, lean_pass, stop_pass
from .autograd.mode import no_grad


class Marker(enum.Enum):
    """Markers kept in a Value's slots (enum members stay themselves when copied or pickled)."""

    UNARY = "a one-input op (in `_b`)"
    NARY = "an op whose `_a` holds all its inputs (in `_b`)"
    WAITING = "backward will visit this node; no gradient has reached it yet (in `_pending`)"
    ONE_SAVED = "forward saved one value, in `_saved_a` (in `_saved_b`)"
    NONE_SAVED = "forward saved nothing (in `_saved_b`)"
    ALL_SAVED = "forward saved three or more values, a tuple in `_saved_a` (in `_saved_b`)"


UNARY, NARY, WAITING = Marker.UNARY, Marker.NARY, Marker.WAITING

_get_ctx = Node._ctx.__get__  # the Context of a node recorded through `Function.apply`


def value_order(root: Node) -> list:
    """The nodes `root` depends on that require grad, newest first: the order backward runs.

    The same order as `reversed(autograd.topological_order([root]))`. Each node found is
    marked by setting its `_pending` to WAITING (a slot, cheaper than a set of ids); the
    backward pass clears the marks as it goes. (Tensor's pass pops a heap instead; for tens of
    thousands of cheap scalar nodes one walk and one sort cost about two thirds of that.)
    """
    order = [root]
    root._pending = WAITING
    stack = [root]
    push, pop, found = stack.append, stack.pop, order.append
    while stack:
        node = pop()
        if node.fn is not None:
            b = node._b
            if b is not NARY:  # `_a`, `_b`: an input node, or a float for a number operand
                a = node._a
                if type(a) is not float and a._pending is None and a.requires_grad:
                    a._pending = WAITING
                    push(a)
                    found(a)
                if (
                    b is not UNARY
                    and type(b) is not float
                    and b._pending is None
                    and b.requires_grad
                ):
                    b._pending = WAITING
                    push(b)
                    found(b)
                continue
            parents = node._a
        else:
            ctx = _get_ctx(node)
            parents = () if ctx is None else ctx.inputs
        for parent in parents:
            if parent._pending is None and parent.requires_grad:
                parent._pending = WAITING
                push(parent)
                found(parent)
    order.sort(key=creation_number, reverse=True)
    return order


def backward_values(root: Node, seed: float) -> None:
    """Add d(root)/d(node) · seed to `.grad` of every node that requires grad."""
    order = value_order(root)
    lean_pass.running = True
    root._pending = seed
    node = grad = None
    try:
        with no_grad():
            for node in order:
                grad = node._pending
                node._pending = None
                if grad is WAITING:  # no gradient reached it (a rule returned None)
                    continue
                previous = node.grad
                node.grad = grad if previous is None else previous + grad
                fn = node.fn
                if fn is None:  # a leaf, or an op recorded through Function.apply (its Context)
                    ctx = _get_ctx(node)
                    if ctx is not None:
                        _spread(ctx, ctx.inputs, ctx.fn.backward(ctx, grad), grad)
                    continue
                b = node._b
                if b is NARY:
                    if fn.backward_from_partials:  # a neuron's weighted sum: ā = ȳ·∂out/∂a
                        _spread_partials(node, node._a, fn.partials(node), grad)
                    else:
                        _spread(node, node._a, fn.backward(node, grad), grad)
                    continue
                if fn.backward_from_partials:
                    # an elementwise op on floats: ā = ȳ·∂out/∂a, as Elementwise.backward does
                    partials = fn.partials(node)
                    if b is UNARY and type(partials) is not tuple:
                        a = node._a
                        if a.requires_grad:
                            pending = a._pending
                            g = grad * partials
                            a._pending = g if pending is WAITING else pending + g
                        continue
                    if b is UNARY or type(partials) is not tuple or len(partials) != 2:
                        _spread(node, node.inputs, fn.backward(node, grad), grad)
                        continue
                    da, db = partials
                    ga = None if da is None else grad * da
                    gb = None if db is None else grad * db
                else:
                    input_grads = fn.backward(node, grad)
                    if b is UNARY or type(input_grads) is not tuple or len(input_grads) != 2:
                        _spread(node, node.inputs, input_grads, grad)
                        continue
                    ga, gb = input_grads
                # two inputs; either may be a float (a number operand: no gradient)
                a = node._a
                if ga is not None and type(a) is not float and a.requires_grad:
                    pending = a._pending
                    a._pending = ga if pending is WAITING else pending + ga
                if gb is not None and type(b) is not float and b.requires_grad:
                    pending = b._pending
                    b._pending = gb if pending is WAITING else pending + gb
    except BaseException as err:
        stop_pass(err, order[::-1], node, grad)
        raise
    finally:
        lean_pass.running = False


def _spread(ctx, inputs: tuple, input_grads: Any, grad: Any) -> None:
    """Hand a rule's input gradients to the inputs, after checking there is one per input."""
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) != len(inputs):
        check_rule_result(ctx, inputs, grad, input_grads, False)
    for parent, g in zip(inputs, input_grads):  # a float input is a number operand: no grad
        if g is not None and type(parent) is not float and parent.requires_grad:
            pending = parent._pending
            parent._pending = g if pending is WAITING else pending + g


def _spread_partials(ctx, inputs: tuple, partials: tuple, grad: float) -> None:
    """Hand ȳ·∂out/∂a to each input a (what `Elementwise.backward` returns, without its tuple)."""
    if type(partials) is not tuple or len(partials) != len(inputs):
        _spread(ctx, inputs, ctx.fn.backward(ctx, grad), grad)  # let the check name the rule
        return
    for parent, d in zip(inputs, partials):  # inputs of a many-input op are all nodes
        if d is not None and parent.requires_grad:
            g = grad * d
            pending = parent._pending
            parent._pending = g if pending is WAITING else pending + g
