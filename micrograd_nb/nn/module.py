"""`Module`: the base class of every layer and network (PyTorch's `nn.Module`, simplified).

Assigning a `Parameter` or another `Module` to an attribute registers it, so
`parameters()` finds every weight of a network without any bookkeeping by hand:

    class TwoLayer(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = mg.nn.Linear(2, 16)
            self.out = mg.nn.Linear(16, 1)

        def forward(self, x):
            return self.out(self.hidden(x).relu())
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..autograd.failure import record_call
from ..tensor import Tensor
from .parameter import Parameter

#: hook(module, inputs, output) -> None, or a replacement output
ForwardHook = Callable[["Module", tuple, Any], Any]


class RemovableHandle:
    """Returned by `register_forward_hook`; `handle.remove()` detaches the hook."""

    _next_id = 0

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Module:
    """A piece of a network: holds Parameters, buffers and sub-Modules; `forward` computes."""

    training: bool

    def __init__(self) -> None:
        self._ensure_registries()

    def _ensure_registries(self) -> None:
        # Also called lazily from __setattr__, so a subclass that forgets super().__init__()
        # still registers its parameters instead of silently training nothing.
        d = self.__dict__
        if "_parameters" not in d:
            d["_parameters"] = OrderedDict()
            d["_buffers"] = OrderedDict()
            d["_modules"] = OrderedDict()
            d["_forward_hooks"] = OrderedDict()
            d["training"] = True

    # ---- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        self._ensure_registries()
        is_tracked = isinstance(value, (Parameter, Module))
        if name in self._buffers and not is_tracked:
            object.__setattr__(self, name, value)  # a buffer keeps being a buffer when updated
            return
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray) -> None:
        """Keep state that is saved in `state_dict` but not trained (e.g. BatchNorm's running mean)."""
        self._ensure_registries()
        object.__setattr__(self, name, array)
        self._buffers[name] = True

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name` (same as assigning it as an attribute)."""
        setattr(self, name, param)

    def add_module(self, name: str, module: Module) -> None:
        """Register a sub-module under `name` (same as assigning it as an attribute)."""
        setattr(self, name, module)

    # ---- the forward pass -------------------------------------------------------------------
    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, ...)")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        try:
            output = self.forward(*inputs, **kwargs)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            own = {k: p for k, p in self.__dict__.get("_parameters", {}).items() if p is not None}
            record_call(err, type(self).__name__, inputs, parameters=own)
            raise
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, inputs, output)
                if result is not None:
                    output = result
        return output

    def register_forward_hook(self, hook: ForwardHook) -> RemovableHandle:
        """Call `hook(module, inputs, output)` after every forward; return a handle to remove it."""
        self._ensure_registries()
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ---- walking the tree of modules (iteratively) ----------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every sub-module, parents first."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator[Module]:
        """This module and every sub-module."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules."""
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        yield from self._modules.values()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name such as 'layers.0.weight', parameter), each shared parameter once."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self) -> list[Parameter]:
        """Every trainable parameter, in registration order (first layer first)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        for module_name, module in self.named_modules():
            for name in module._buffers:
                yield (f"{module_name}.{name}" if module_name else name), getattr(module, name)

    # ---- training helpers -------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (`.grad = None`), as PyTorch does by default."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode: Dropout drops, BatchNorm uses batch statistics."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn(module)` on every sub-module and then on this one (e.g. a custom init)."""
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    def num_parameters(self) -> int:
        """The number of trainable numbers."""
        return sum(p.size for p in self.parameters())

    # ---- saving and loading -------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """{dotted name: copy of the array} for every parameter and buffer."""
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for name, param in self.named_parameters():
            state[name] = np.array(param.data, copy=True)
        for name, buffer in self.named_buffers():
            state[name] = np.array(buffer, copy=True)
        return state

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> None:
        """Copy arrays from `state_dict` into the parameters and buffers with the same names."""
        own = dict(self.named_parameters())
        buffers = {name for name, _ in self.named_buffers()}
        expected = set(own) | buffers
        missing = sorted(expected - set(state_dict))
        unexpected = sorted(set(state_dict) - expected)
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}; "
                "the state was saved from a differently built model (or pass strict=False)"
            )
        for name, value in state_dict.items():
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if name in own:
                param = own[name]
                if value.shape != param.shape:
                    raise ValueError(
                        f"load_state_dict: '{name}' has shape {param.shape} in the model but "
                        f"{value.shape} in the state dict"
                    )
                param.data = value.astype(param.dtype, copy=True)
            elif name in buffers:
                module_name, _, attr = name.rpartition(".")
                module = self.get_submodule(module_name)
                object.__setattr__(module, attr, np.array(value, copy=True))

    def get_submodule(self, target: str) -> Module:
        """The sub-module at a dotted path such as 'layers.0' ('' is this module)."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no sub-module '{part}'")
            module = module._modules[part]
        return module

    # ---- text ------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown inside the parentheses of repr (override in layers)."""
        return ""

    def __repr__(self) -> str:
        # Built bottom-up from an explicit stack (no recursion), children indented under parents.
        order = []
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            order.append(module)
            stack.extend(module._modules.values())
        text: dict[int, str] = {}
        for module in reversed(order):
            head = f"{type(module).__name__}({module.extra_repr()}"
            if not module._modules:
                text[id(module)] = head + ")"
                continue
            lines = [head]
            for name, child in module._modules.items():
                child_text = text[id(child)].replace("\n", "\n  ")
                lines.append(f"  ({name}): {child_text}")
            text[id(module)] = "\n".join(lines) + "\n)"
        return text[id(self)]
