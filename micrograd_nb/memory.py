"""Memory accounting: what a graph keeps alive for backward, and the peak during a step.

A recorded graph holds, until backward is done with it, every intermediate result (each node
keeps its `.data`, and children keep their parents) plus what each operation saved on its
`ctx` (inputs, masks, softmax probabilities). That is why training needs far more memory than
inference (`no_grad` records nothing), and what checkpointing and float16 activations reduce.

- `graph_memory(loss)` walks the graph (iteratively) and adds up those arrays, each counted once.
- `memory_stats()` measures the real peak of NumPy allocations during a block (tracemalloc).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .arrays.half import compiled_kernels
from .autograd import Node, topological_order


@dataclass
class GraphMemory:
    """Bytes held by a graph for backward, split by kind.

    Leaves' data is not counted: inputs and parameters exist with or without a graph (so a
    float16 copy of an input that does not require grad, itself a leaf, is not counted either).
    """

    #: intermediate results and saved arrays (masks, probabilities): the activations
    activation_bytes: int
    #: low-precision copies of parameters made by autocast (float16 weights)
    parameter_copy_bytes: int
    #: number of recorded operations
    nodes: int

    @property
    def total_bytes(self) -> int:
        return self.activation_bytes + self.parameter_copy_bytes

    def __repr__(self) -> str:
        return (
            f"GraphMemory(activations={_mib(self.activation_bytes)}, "
            f"parameter copies={_mib(self.parameter_copy_bytes)}, nodes={self.nodes})"
        )


def _mib(n: int) -> str:
    return f"{n / 2**20:.2f} MiB"


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory (views such as x.T or broadcasts share their base's)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _arrays_of(ctx) -> list:
    """Arrays a ctx keeps: saved values and any array attribute (masks, probabilities)."""
    found = [v for v in ctx._saved if isinstance(v, np.ndarray)]
    extra = getattr(ctx, "__dict__", {})
    found.extend(v for v in extra.values() if isinstance(v, np.ndarray))
    return found


def graph_memory(roots: Node | Iterable[Node]) -> GraphMemory:
    """Add up the bytes of every distinct array the graph behind `roots` holds for backward."""
    roots = [roots] if isinstance(roots, Node) else list(roots)
    order = topological_order(roots, all_nodes=True)
    leaf_arrays = {
        id(_owner(n.data)) for n in order if n.is_leaf and isinstance(n.data, np.ndarray)
    }
    seen: set[int] = set(leaf_arrays)
    activations = copies = 0
    ops = 0
    for node in order:
        ctx = node._ctx
        if ctx is None:
            continue
        ops += 1
        # A cast of a parameter (or of a view of one, like W.T) is a weight copy, not an activation.
        is_param_copy = ctx.fn.name == "cast" and id(_owner(ctx.inputs[0].data)) in leaf_arrays
        arrays = _arrays_of(ctx)
        if isinstance(node.data, np.ndarray):
            arrays.append(node.data)
        for array in arrays:
            owner = _owner(array)
            if id(owner) in seen:
                continue
            seen.add(id(owner))
            if is_param_copy and array is node.data:
                copies += owner.nbytes
            else:
                activations += owner.nbytes
    return GraphMemory(activations, copies, ops)


def saved_bytes(roots: Node | Iterable[Node]) -> int:
    """Bytes of arrays the graph behind `roots` holds for backward (activations + copies)."""
    return graph_memory(roots).total_bytes


class memory_stats:
    """Measure NumPy's (and Python's) allocations inside the block: the peak and what is left.

    >>> with mg.memory_stats() as stats:
    ...     loss = model(x).sum(); loss.backward()
    >>> stats.peak_bytes      # the most memory in use at any moment, above the start
    """

    _active: list = []

    def __init__(self):
        self.peak_bytes = 0
        self.retained_bytes = 0
        self._started_here = False
        self._start = 0
        self._peak = 0  # absolute traced bytes, folded in before anyone resets the peak

    @staticmethod
    def _fold_peak() -> None:
        peak = tracemalloc.get_traced_memory()[1]
        for stats in memory_stats._active:
            stats._peak = max(stats._peak, peak)

    def __enter__(self) -> memory_stats:
        # Numba and the compiled kernels load once per process, at their first use, and take
        # tens of MiB of Python objects: loaded now, they are not counted as the block's memory
        compiled_kernels()
        self._started_here = not tracemalloc.is_tracing()
        if self._started_here:
            tracemalloc.start()
        memory_stats._fold_peak()  # an enclosing block keeps its peak so far
        tracemalloc.reset_peak()
        self._start = self._peak = tracemalloc.get_traced_memory()[0]
        memory_stats._active.append(self)
        return self

    def __exit__(self, *exc) -> bool:
        memory_stats._fold_peak()
        memory_stats._active.remove(self)
        current = tracemalloc.get_traced_memory()[0]
        self.peak_bytes = max(self._peak - self._start, 0)
        self.retained_bytes = current - self._start
        if self._started_here:
            tracemalloc.stop()
        return False

    def __repr__(self) -> str:
        return f"memory_stats(peak={_mib(self.peak_bytes)}, retained={_mib(self.retained_bytes)})"


class track_saved_memory:
    """The most bytes a graph held for backward during the block, recomputations included.

    Call `sample(loss)` when the forward pass is done (the graph is complete); checkpointed
    segments add their recomputed graph while backward runs through them.

    >>> with mg.memory.track_saved_memory() as tracker:
    ...     loss = model(x).sum(); tracker.sample(loss); loss.backward()
    >>> tracker.peak_bytes
    """

    _active: list = []

    def __init__(self):
        self.peak_bytes = 0
        self.base_bytes = 0

    def sample(self, roots: Node | Iterable[Node]) -> int:
        """Record the graph behind `roots` as what is held now; returns its bytes."""
        self.base_bytes = saved_bytes(roots)
        self.peak_bytes = max(self.peak_bytes, self.base_bytes)
        return self.base_bytes

    def __enter__(self) -> track_saved_memory:
        track_saved_memory._active.append(self)
        return self

    def __exit__(self, *exc) -> bool:
        track_saved_memory._active.remove(self)
        return False


def note_recomputed(roots: Node | Iterable[Node]) -> None:
    """Called by checkpointing: a recomputed graph now exists on top of the sampled one."""
    for tracker in track_saved_memory._active:
        tracker.peak_bytes = max(tracker.peak_bytes, tracker.base_bytes + saved_bytes(roots))
