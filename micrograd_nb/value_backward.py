"""`backward()` on a graph of `Value`s: the lean pass, reading each node's own op record.

It visits the nodes in the same order and adds the same gradients in the same order as the
general pass (`autograd.graph`), so the results are equal to the last bit; it only skips what
floats never need (shape fitting, in-place version checks) and reads a node's inputs from its
slots instead of building a tuple per node. Anomaly mode takes the general pass.
"""

from __future__ import annotations

from typing import Any

from .autograd.graph import Node, check_rule_result, lean_pass, stop_pass
from .autograd.mode import no_grad

#: markers in a node's `_b` slot: a one-input op, or an op whose `_a` holds all its inputs
UNARY = object()
NARY = object()

_get_ctx = Node._ctx.__get__  # the Context of a node recorded through `Function.apply`


def value_order(root: Node) -> list:
    """The nodes `root` depends on that require grad, each after its inputs.

    The same depth-first order as `autograd.topological_order([root])`.
    """
    order: list = []
    visited: set[int] = set()
    visit = visited.add
    stack = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:  # the marker below it: all of that node's inputs are placed
            order.append(pop())
            continue
        key = id(node)
        if key in visited:
            continue
        visit(key)
        push(node)
        push(None)
        if node.fn is not None:
            b = node._b
            if b is not NARY:  # `_a`, `_b`: an input node, or a float for a number operand
                a = node._a
                if type(a) is not float and a.requires_grad and id(a) not in visited:
                    push(a)
                if b is not UNARY and type(b) is not float and b.requires_grad and id(b) not in visited:
                    push(b)
                continue
            parents = node._a
        else:
            ctx = _get_ctx(node)
            parents = () if ctx is None else ctx.inputs
        for parent in parents:
            if parent.requires_grad and id(parent) not in visited:
                push(parent)
    return order


def backward_values(root: Node, seed: float) -> None:
    """Add d(root)/d(node) · seed to `.grad` of every node that requires grad."""
    order = value_order(root)
    lean_pass.running = True
    root._pending = seed
    node = grad = None
    try:
        with no_grad():
            for node in reversed(order):
                grad = node._pending
                if grad is None:
                    continue
                node._pending = None
                previous = node.grad
                node.grad = grad if previous is None else previous + grad
                fn = node.fn
                if fn is None:  # a leaf, or an op recorded through Function.apply (its Context)
                    ctx = _get_ctx(node)
                    if ctx is not None:
                        _spread(ctx, ctx.inputs, ctx.fn.backward(ctx, grad), grad)
                    continue
                input_grads = fn.backward(node, grad)
                b = node._b
                if b is UNARY and type(input_grads) is not tuple:
                    _add_pending(node._a, input_grads)
                elif b is NARY or b is UNARY or type(input_grads) is not tuple or len(input_grads) != 2:
                    _spread(node, node.inputs, input_grads, grad)
                else:  # the common case, spelled out: two inputs, a pair of gradients
                    a = node._a
                    g = input_grads[0]
                    if g is not None and type(a) is not float and a.requires_grad:
                        pending = a._pending
                        a._pending = g if pending is None else pending + g
                    g = input_grads[1]
                    if g is not None and type(b) is not float and b.requires_grad:
                        pending = b._pending
                        b._pending = g if pending is None else pending + g
    except BaseException as err:
        stop_pass(err, order, node, grad)
        raise
    finally:
        lean_pass.running = False


def _add_pending(parent: Node, g: Any) -> None:
    """Add g to the gradient collected so far for `parent` (None = no gradient)."""
    if g is not None and parent.requires_grad:
        pending = parent._pending
        parent._pending = g if pending is None else pending + g


def _spread(ctx, inputs: tuple, input_grads: Any, grad: Any) -> None:
    """Hand a rule's input gradients to the inputs, after checking there is one per input."""
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) != len(inputs):
        check_rule_result(ctx, inputs, grad, input_grads, False)
    for parent, g in zip(inputs, input_grads):
        if g is not None and parent.requires_grad:
            pending = parent._pending
            parent._pending = g if pending is None else pending + g
