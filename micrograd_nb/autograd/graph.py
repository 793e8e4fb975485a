"""The graph: nodes, an iterative topological sort, and reverse-mode backpropagation.

`Value` and `Tensor` are both `Node`s; this file is the one engine they share.
Backpropagation is the chain rule applied in reverse topological order:
each node's adjoint dL/dnode is handed to its operation's `backward` rule, which returns the
adjoints of the node's inputs; where a node feeds several paths, the contributions add.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
from collections.abc import Iterable, Sequence
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any

from .anomaly import check_backward
from .failure import BackwardFailures, record_backward
from .mode import enable_grad, modes, no_grad

#: the next creation number (`Node._seq`): every node gets a larger one than the nodes before it
next_sequence_number = itertools.count().__next__


class _InPlaceChanges:
    #: the number drawn by the latest in-place change of any node's data (-1: none yet)
    last = -1


in_place_changes = _InPlaceChanges()


def note_in_place_change() -> None:
    """A front end changed a node's data in place: backward checks the saved values of every
    operation recorded before now (operations recorded later saw the new data)."""
    in_place_changes.last = next_sequence_number()


class Node:
    """One value in a computation graph: data, grad, the operation that made it, its parents."""

    # `_pending`: the gradient collected so far during a running `backward()` (else None)
    # `_seq`: when the node was made (`next_sequence_number()`); an op's inputs always exist
    # before its output, so creation order is an order in which every node follows its parents
    # A front end adds `label` (the name shown in pictures) and `_tangent` (forward mode's
    # derivative), as slots (Tensor) or as class defaults that few nodes override (Value)
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_pending", "_seq", "__weakref__")

    #: in-place version counter; -1 for front ends whose data cannot be mutated (floats)
    _version = -1
    #: the front-end class (`Value` or `Tensor`) that operations on this node produce
    _front: type
    #: whether incoming gradients need `_fit_grad` (shape/dtype); False when it is the identity.
    #: A front end that fits them keeps its array in `_data`: the backward pass calls
    #: `_fit_grad` only for a gradient that is not already an array like it (type, shape,
    #: dtype, writeable)
    _fits_grad = True

    # ---- graph protocol (read by viz, gradcheck and the stepper) -------------------------
    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from (empty for leaves)."""
        return () if self._ctx is None else self._ctx.inputs

    @property
    def op(self) -> str:
        """Name of the operation that produced this node ('' for a leaf)."""
        return "" if self._ctx is None else self._ctx.fn.name

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters: nodes not produced by a recorded operation."""
        return self._ctx is None

    # ---- reverse mode ---------------------------------------------------------------------
    def backward(self, grad: Any = None) -> None:
        """Accumulate dself/dnode into `.grad` of every node that requires grad.

        Like PyTorch, gradients *accumulate*: call `zero_grad()` (or set `.grad = None`)
        between steps. Unlike PyTorch, intermediate nodes keep their `.grad` too, so every
        adjoint of the graph can be inspected and drawn (as in micrograd).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this node does not require grad, so nothing depends on a parameter. "
                "Create inputs with requires_grad=True (Tensor) or check for a no_grad block."
            )
        seed = self._seed_grad() if grad is None else self._check_grad_output(grad)
        with cycle_collector_paused():
            if lean_pass.running:  # a rule that calls backward(): keep the outer pass's slots
                backpropagate(topological_order([self]), {id(self): seed}, False, into_grad=True)
            else:
                self._backward_pass(seed)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (`.grad = None`)."""
        self.grad = None

    def detach(self):
        """The same data as a new leaf that does not require grad (cuts the graph here)."""
        return type(self)._from_op(self.data, None, False)

    # ---- copy and pickle: the slots themselves, and a new creation number -------------------
    def __getstate__(self) -> tuple:
        """The node's attributes, read from its slots directly (a front end's properties such
        as Value's `_ctx` compute something else)."""
        slots = {}
        for name, slot in _slots_of(type(self)).items():
            try:
                slots[name] = slot.__get__(self)
            except AttributeError:  # a slot this kind of node never fills
                pass
        return (getattr(self, "__dict__", None) or None, slots)

    def __setstate__(self, state) -> None:
        """Restore a pickled or copied node, numbered as if made now (after its parents).

        A creation number from another process could be larger than the ones made here, and
        backward would then run this node's rule too early.
        """
        dict_state, slot_state = state
        if dict_state:
            self.__dict__.update(dict_state)
        slots = _slots_of(type(self))
        for name, value in slot_state.items():
            slots[name].__set__(self, value)
        self._seq = next_sequence_number()

    # ---- hooks a front end provides -------------------------------------------------------
    def _backward_pass(self, seed: Any) -> None:
        """`backward()`'s pass from this root (a front end may run a leaner one of its own)."""
        _backward_into_grad(self, seed)

    @classmethod
    def _from_op(cls, data, ctx, requires_grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def _constant(cls, value, op_name: str):  # pragma: no cover - abstract
        raise NotImplementedError

    def _seed_grad(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_grad_output(self, grad):
        return grad

    def _zero_like_data(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_grad(self, grad):
        """Bring an incoming gradient to this node's shape/dtype (Tensor sums broadcast axes)."""
        return grad


@functools.cache
def _slots_of(cls: type) -> dict:
    """{name: slot descriptor} for every slot a node of class `cls` has."""
    return {
        name: klass.__dict__[name]
        for klass in cls.__mro__
        for name in klass.__dict__.get("__slots__", ())
        if name not in ("__dict__", "__weakref__")
    }


@contextlib.contextmanager
def cycle_collector_paused():
    """Pause Python's cycle collector while a backward pass runs.

    Backward only creates acyclic temporaries (gradients), yet with a large graph alive every
    automatic collection would re-scan all of its nodes; pausing makes a long chain 2-3x faster.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def topological_order(roots: Iterable[Node], all_nodes: bool = False) -> list[Node]:
    """Nodes reachable from `roots`, each after all of its parents: in the order they were made.

    An operation's inputs exist before its output, so sorting by creation number is a valid
    order (PyTorch's engine runs backward by its `sequence_nr` the same way). By default only
    nodes that require grad are visited (constants are not on any gradient path);
    `all_nodes=True` visits everything, for drawing.
    """
    found: dict[int, Node] = {}
    stack = list(roots)
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        key = id(node)
        if key in found:
            continue
        found[key] = node
        for parent in node.parents:
            if (all_nodes or parent.requires_grad) and id(parent) not in found:
                push(parent)
    return sorted(found.values(), key=creation_number)


creation_number = attrgetter("_seq")


def backpropagate(
    order: Sequence[Node], grads: dict, create_graph: bool, into_grad: bool = False
) -> dict:
    """Run every node's backward rule in reverse `order`; return {id(node): dL/dnode}.

    `grads` holds the seeds (dL/droot). With `create_graph=True` the rules run on graph nodes,
    so the returned gradients are differentiable themselves. With `into_grad=True` each node's
    gradient is also added to its `.grad` (what `backward()` does).
    """
    anomaly = modes.anomaly
    get = grads.get
    mode = enable_grad() if create_graph else no_grad()
    # BackwardFailures yields reversed(order) and, on an error, records the failing node on it.
    with mode, BackwardFailures(order, grads) as steps:
        for node in steps:
            grad = get(id(node))
            if grad is None:
                continue
            if into_grad:
                _add_to_grad(node, grad)
            ctx = node._ctx
            if ctx is None:
                continue
            inputs = ctx.inputs
            for parent, g in zip(inputs, _run_rule(ctx, inputs, node, grad, create_graph, anomaly)):
                if g is None or not parent.requires_grad:
                    continue
                if parent._fits_grad:
                    g = _fitted(parent, g, ctx)
                key = id(parent)
                previous = get(key)
                grads[key] = g if previous is None else previous + g
    return grads


class _LeanPass:
    running = False


lean_pass = _LeanPass()


def _backward_into_grad(root: Node, seed: Any) -> None:
    """`backward()`'s pass: gradients wait in each node's `_pending` slot, not in a dict.

    The nodes run newest first, as in `topological_order`, but without sorting the graph
    beforehand: a heap holds the nodes that have received a gradient and yields the newest
    (every node that could still add to it is newer, so it has run). Nodes that receive no
    gradient are never visited.
    """
    anomaly = modes.anomaly
    changed = in_place_changes.last
    lean_pass.running = True
    root._pending = seed
    waiting = [(-root._seq, root)]  # (−creation number, node): the newest pops first
    node = grad = None
    try:
        with no_grad():
            while waiting:
                node = heappop(waiting)[1]
                grad = node._pending
                node._pending = None
                previous = node.grad
                if previous is None:
                    node.grad = grad
                elif node._fits_grad:
                    # _fit_grad keeps a Tensor's grad an ndarray (NumPy adds 0-d arrays to scalars)
                    node.grad = node._fit_grad(previous + grad)
                else:
                    node.grad = previous + grad
                ctx = node._ctx
                if ctx is None:
                    continue
                # the rule on raw data; checks only where something can be wrong
                inputs = ctx.inputs
                if node._seq < changed:  # some data changed in place since this op ran
                    ctx.check_saved_versions(node)
                input_grads = ctx.fn.backward(ctx, grad)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
                if anomaly or len(input_grads) != len(inputs):
                    check_rule_result(ctx, inputs, grad, input_grads, anomaly)
                for parent, g in zip(inputs, input_grads):
                    if g is None or not parent.requires_grad:
                        continue
                    if parent._fits_grad:
                        like = parent._data
                        if (
                            type(g) is not type(like)
                            or g.shape != like.shape
                            or g.dtype is not like.dtype
                            or not (g.base is None or g.flags.writeable)
                        ):  # broadcast, another dtype, a number, a read-only view: fit it
                            g = _fitted(parent, g, ctx)
                    pending = parent._pending
                    if pending is None:
                        parent._pending = g
                        heappush(waiting, (-parent._seq, parent))
                    else:
                        parent._pending = pending + g
    except BaseException as err:
        stop_pass(err, topological_order([root]), node, grad)
        raise
    finally:
        lean_pass.running = False


def stop_pass(err: BaseException, order: Sequence[Node], node: Node | None, grad: Any) -> None:
    """A `backward()` pass stopped at `node`: record the graph on the error, drop pending grads."""
    if isinstance(err, Exception) and node is not None and node._ctx is not None:
        # the error carries the graph and the adjoints found so far (mg.draw(err))
        grads = {id(n): n.grad for n in order if n.grad is not None}
        grads[id(node)] = grad
        record_backward(err, node, order[-1], grads)
    for pending in order:  # the pass stopped at an error: leave no gradient behind
        pending._pending = None


def _add_to_grad(node: Node, grad: Any) -> None:
    previous = node.grad
    # _fit_grad keeps a Tensor's grad an ndarray (NumPy adds 0-d arrays to scalars)
    node.grad = grad if previous is None else node._fit_grad(previous + grad)


def _run_rule(
    ctx, inputs: tuple, node: Node, grad: Any, create_graph: bool, anomaly: bool
) -> tuple:
    """The input gradients of `node`'s operation, checked: one per input (None = zero)."""
    if ctx._versions or node._version > 0:
        ctx.check_saved_versions(node)
    if create_graph:  # the rule runs on graph nodes: saved inputs and outputs as nodes
        ctx = ctx.as_context()
        ctx.saved_tensors = ctx.saved_nodes(node)
        try:
            input_grads = ctx.fn.backward(ctx, grad)
        finally:
            ctx.saved_tensors = ctx._saved
    else:
        input_grads = ctx.fn.backward(ctx, grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    check_rule_result(ctx, inputs, grad, input_grads, anomaly)
    return input_grads


def check_rule_result(ctx, inputs: tuple, grad: Any, input_grads: tuple, anomaly: bool) -> None:
    """Raise if a rule returned the wrong number of gradients, or (anomaly mode) NaN/inf."""
    if len(input_grads) != len(inputs):
        raise RuntimeError(
            f"{ctx.fn.name}.backward returned {len(input_grads)} gradients "
            f"for {len(inputs)} inputs; return one per input (None for no gradient)"
        )
    if anomaly:  # mg.detect_anomaly: stop at the first NaN/inf gradient
        check_backward(ctx, grad, input_grads)


def _fitted(parent: Node, g: Any, ctx) -> Any:
    """The gradient brought to the parent's shape and dtype, or an error naming the rule."""
    try:
        return parent._fit_grad(g)
    except ValueError:
        raise ValueError(
            f"{ctx.fn.name}.backward returned a gradient of shape {_shape_of(g)} for "
            f"an input of shape {parent.shape}; it must have the input's shape (or "
            "the output's shape, when the input was broadcast)"
        ) from None


def _shape_of(value) -> tuple:
    return getattr(value, "shape", ())
