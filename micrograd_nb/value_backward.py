"""`backward()` on a graph of `Value`s: the lean pass, reading each node's own op record.

It runs the nodes in the same order as the general pass (`autograd.graph`: newest first) and
adds the same gradients in the same order, so the results are equal to the last bit; it only
skips what floats never need (shape fitting, in-place version checks), reads a node's inputs
from its slots instead of building a tuple per node, finds the order without walking and
sorting the graph first (see `backward_values`), and for an elementwise op multiplies the
output's gradient by the rule's `partials` itself (the chain rule: ā += ȳ·∂out/∂a), handing
it the saved floats straight from their slots; an op that passes its gradient on unchanged
(`passes_gradient`: a + b) needs no call at all.
Anomaly mode takes the general pass.
"""

from __future__ import annotations

import enum
from heapq import heappop, heappush
from typing import Any

from .autograd.graph import Node, check_rule_result, lean_pass, stop_pass, topological_order
from .autograd.mode import no_grad


class Marker(enum.Enum):
    """Markers kept in a Value's slots (enum members stay themselves when copied or pickled)."""

    UNARY = "a one-input op (in `_b`)"
    NARY = "an op whose `_a` holds all its inputs (in `_b`)"
    ONE_SAVED = "forward saved one value, in `_saved_a` (in `_saved_b`)"
    NONE_SAVED = "forward saved nothing (in `_saved_b`)"
    ALL_SAVED = "forward saved three or more values, a tuple in `_saved_a` (in `_saved_b`)"


UNARY, NARY, ONE_SAVED = Marker.UNARY, Marker.NARY, Marker.ONE_SAVED

_get_ctx = Node._ctx.__get__  # the Context of a node recorded through `Function.apply`


def backward_values(root: Node, seed: float) -> None:
    """Add d(root)/d(node) · seed to `.grad` of every node that requires grad.

    The order comes from the creation numbers alone, with no walk and no sort beforehand.
    A node made k operations before the root waits in `near[k]` from the moment a first
    gradient reaches it, and the loop scans k = 0, 1, 2, ...: when it gets to near[k], every
    node that could add to that gradient is newer and has run. A node made long before the
    rest (a result kept from an earlier computation) waits in a heap `far` instead, merged into
    the scan by its k; leaves have no rule, so they only collect their `.grad` at the end.
    """
    top = root._seq
    near: list = [None] * 1024
    far: list = []  # (k, node), newest (smallest k) first
    leaves: list = []

    n = len(near)  # kept in a variable: the loop compares with it for every node

    def arrive(node: Node, g: Any) -> None:
        """The first gradient reached `node`: keep it and put the node where the scan finds it."""
        nonlocal n
        node._pending = g
        if node.fn is None and _get_ctx(node) is None:
            leaves.append(node)
            return
        k = top - node._seq
        if k >= n:
            if k > 2 * n + 4096:  # much older than the graph so far: keep the list short
                heappush(far, (k, node))
                return
            near.extend([None] * max(k + 1 - n, n))
            n = len(near)
        near[k] = node

    def spread(ctx, inputs: tuple, input_grads: Any, grad: Any) -> None:
        """Hand a rule's input gradients to the inputs, after checking there is one per input."""
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if len(input_grads) != len(inputs):
            check_rule_result(ctx, inputs, grad, input_grads, False)
        for parent, g in zip(inputs, input_grads):  # a float input is a number operand: no grad
            if g is not None and type(parent) is not float and parent.requires_grad:
                pending = parent._pending
                if pending is None:
                    arrive(parent, g)
                else:
                    parent._pending = pending + g

    lean_pass.running = True
    arrive(root, seed)
    k = 0
    node = grad = None
    try:
        with no_grad():
            while True:
                # the next node: near[k], unless an older-made node from `far` comes first
                if far and far[0][0] <= k:
                    node = heappop(far)[1]
                elif k < n:
                    node = near[k]
                    k += 1
                    if node is None:
                        continue
                elif far:
                    node = heappop(far)[1]
                else:
                    break
                grad = node._pending
                node._pending = None
                previous = node.grad
                node.grad = grad if previous is None else previous + grad
                fn = node.fn
                if fn is None:  # an op recorded through Function.apply: its Context
                    ctx = _get_ctx(node)
                    spread(ctx, ctx.inputs, ctx.fn.backward(ctx, grad), grad)
                    continue
                b = node._b
                if b is NARY:
                    inputs = node._a
                    if not fn.backward_from_partials:
                        partials = None
                    elif node._saved_b is ONE_SAVED:  # a neuron: all its values in one tuple
                        partials = fn.partials(node, node._saved_a)
                    else:
                        partials = fn.partials(node, *node.saved_tensors)
                    if type(partials) is not tuple or len(partials) != len(inputs):
                        spread(node, inputs, fn.backward(node, grad), grad)
                        continue
                    for parent, d in zip(inputs, partials):  # a neuron: ā = ȳ·∂out/∂a
                        if d is not None and parent.requires_grad:
                            g = grad * d
                            pending = parent._pending
                            if pending is not None:
                                parent._pending = pending + g
                            elif (at := top - parent._seq) < n and parent.fn is not None:
                                parent._pending = g  # what `arrive` does, inline
                                near[at] = parent
                            else:
                                arrive(parent, g)
                    continue
                if b is UNARY:
                    a = node._a
                    if not fn.backward_from_partials:
                        partials = None
                    elif node._saved_b is ONE_SAVED:  # most one-input ops: tanh, exp, relu
                        partials = fn.partials(node, node._saved_a)
                    else:
                        partials = fn.partials(node, *node.saved_tensors)
                    if partials is None or type(partials) is tuple:
                        spread(node, (a,), fn.backward(node, grad), grad)
                    elif a.requires_grad:  # an elementwise op on floats: ā = ȳ·∂out/∂a
                        g = grad * partials
                        pending = a._pending
                        if pending is None:
                            arrive(a, g)
                        else:
                            a._pending = pending + g
                    continue
                if fn.backward_from_partials:  # ā = ȳ·∂out/∂a, as Elementwise.backward does
                    saved_b = node._saved_b  # the saved values, read from their slots: a, b
                    if type(saved_b) is float:  # for a * b, a / b (a float, not a marker)
                        partials = fn.partials(node, node._saved_a, saved_b)
                    else:
                        partials = fn.partials(node, *node.saved_tensors)
                    if type(partials) is not tuple or len(partials) != 2:
                        spread(node, node.inputs, fn.backward(node, grad), grad)
                        continue
                    da, db = partials
                    ga = None if da is None else grad * da
                    gb = None if db is None else grad * db
                elif fn.passes_gradient:  # a + b: ā = b̄ = ȳ, without calling backward
                    ga = gb = grad
                else:
                    input_grads = fn.backward(node, grad)
                    if type(input_grads) is not tuple or len(input_grads) != 2:
                        spread(node, node.inputs, input_grads, grad)
                        continue
                    ga, gb = input_grads
                # two inputs; either may be a float (a number operand: no gradient). Here, as
                # for a neuron's inputs above, adding a gradient is spelled out rather than a
                # call: most gradients of a scalar graph arrive at these lines
                a = node._a
                if ga is not None and type(a) is not float and a.requires_grad:
                    pending = a._pending
                    if pending is not None:
                        a._pending = pending + ga
                    elif (at := top - a._seq) < n and a.fn is not None:
                        a._pending = ga  # what `arrive` does, inline
                        near[at] = a
                    else:
                        arrive(a, ga)
                if gb is not None and type(b) is not float and b.requires_grad:
                    pending = b._pending
                    if pending is not None:
                        b._pending = pending + gb
                    elif (at := top - b._seq) < n and b.fn is not None:
                        b._pending = gb  # what `arrive` does, inline
                        near[at] = b
                    else:
                        arrive(b, gb)
            node = None  # the rules have all run: what remains cannot fail
            for leaf in leaves:
                grad = leaf._pending
                leaf._pending = None
                previous = leaf.grad
                leaf.grad = grad if previous is None else previous + grad
    except BaseException as err:
        stop_pass(err, topological_order([root]), node, grad)
        raise
    finally:
        lean_pass.running = False
