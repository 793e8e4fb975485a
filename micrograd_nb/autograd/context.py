"""The record of one operation: its inputs and what forward saved for backward (`ctx`)."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

_requires_grad = attrgetter("requires_grad")


class InplaceModificationError(RuntimeError):
    """An array saved for backward was changed after the forward pass."""


class OpRecord:
    """What a rule sees as `ctx`: the op (`fn`), its `inputs`, and the values saved for backward.

    `Context` is the usual record; a `Value` made on the lean path is its own record (one
    object per scalar operation), so these methods need only the attributes, not the class.
    """

    __slots__ = ()

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per input: does it need a gradient? (Rules skip the ones that don't.)"""
        return tuple(map(_requires_grad, self.inputs))

    def save_for_backward(self, *values: Any) -> None:
        """Keep raw values for `backward` (once forward returns, the engine notes the versions
        of the inputs among them: see `note_saved_versions`)."""
        self.saved_tensors = self._saved = values

    def note_saved_versions(self) -> None:
        """Remember the in-place version of each input whose data forward saved.

        Called by the engine once forward has returned, so `save_for_backward` itself stays a
        plain assignment. A front end whose data can change in place (`_version >= 0`) keeps
        it in `_data`.
        """
        inputs = self.inputs
        if inputs[0]._version < 0:
            return  # floats (Value) cannot be changed in place: nothing to watch
        saved = self._saved
        versions = ()
        for index, x in enumerate(inputs):
            data = x._data
            for value in saved:
                if value is data:
                    versions += ((index, x._version),)
                    break
        # Tuples of numbers are not tracked by the cycle collector; lists would be.
        self._versions = versions

    def as_context(self) -> Context:
        """This record as a `Context` that a pass may rewrite (a Context is one already)."""
        return self

    def keep_output(self, data: Any, out: Any) -> None:
        """Point saved references to `out` at the output node's own `data` (its wrapped copy).

        NumPy returns a scalar, not a 0-d array, for 0-d results; mutation checks and
        create_graph recognise the saved value as this op's output only if it is the node's data.
        """
        self.saved_tensors = self._saved = tuple([data if v is out else v for v in self._saved])

    def saved_nodes(self, output) -> tuple:
        """The saved values as graph nodes where they are an input or the output (create_graph).

        A tuple saved as one value (all of a neuron's inputs: `save_for_backward(wxb)`) becomes a
        tuple of nodes, its i-th value matched with input i first.
        """
        return tuple(
            [
                tuple([self._node_for(v, i, output) for i, v in enumerate(value)])
                if type(value) is tuple
                else self._node_for(value, position, output)
                for position, value in enumerate(self._saved)
            ]
        )

    def _node_for(self, value: Any, position: int, output) -> Any:
        """The node whose data `value` is: input `position`, another input, the output; else
        `value` itself, a constant such as a mask."""
        inputs = self.inputs
        # Prefer the input at the same position: `save_for_backward(x, y)` is the usual call,
        # and two different inputs may share one Python float object.
        if position < len(inputs) and inputs[position].data is value:
            return inputs[position]
        source = next((x for x in inputs if x.data is value), None)
        if source is not None:
            return source
        return output if value is output.data else value

    def check_saved_versions(self, output=None) -> None:
        """Raise if an input (or the output) saved for backward was modified in place since."""
        if output is not None and output._version > 0:
            # Outputs start at version 0; an array saved from the output (exp, sqrt, tanh save
            # their result) that was changed in place since would give a wrong gradient.
            for value in self._saved:
                if value is output.data:
                    raise InplaceModificationError(
                        f"{self.fn.name}: its output (shape {output.shape}) was modified in place "
                        "after it was saved for backward, so the gradient would be wrong. "
                        "Change a copy (`y = y.detach().copy()`) instead."
                    )
        for index, version in self._versions:
            node = self.inputs[index]
            if node._version != version:
                name = f" '{node.label}'" if node.label else ""
                raise InplaceModificationError(
                    f"{self.fn.name}: input {index}{name} (shape {node.shape}) was modified in place "
                    f"after it was saved for backward (version {version} -> {node._version}). "
                    "Its gradient would be wrong. Recompute the forward pass after changing it, "
                    "or change a copy (`x = x.detach().copy()`) instead."
                )


class Context(OpRecord):
    """Per-node scratch space that `forward` fills and `backward` reads (PyTorch's `ctx`)."""

    # Slots keep the per-node footprint small; `__dict__` still allows `ctx.anything = ...`.
    # `saved_tensors` is a plain attribute (not a property) so the ordinary backward pass reads
    # it at the cost of a slot; a differentiable backward swaps in graph nodes for its duration.
    __slots__ = ("fn", "inputs", "saved_tensors", "_saved", "_versions", "__dict__")

    def __init__(self, fn: type, inputs: tuple):
        self.fn = fn
        self.inputs = inputs  # parent nodes; parents never point back, so no cycles
        self.saved_tensors = self._saved = ()
        self._versions = ()

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per input: does it need a gradient? (Rules skip the ones that don't.)"""
        inputs = self.inputs
        if len(inputs) == 2:  # most ops: spelled out, as a rule may ask once per node
            return (inputs[0].requires_grad, inputs[1].requires_grad)
        return tuple(map(_requires_grad, inputs))
