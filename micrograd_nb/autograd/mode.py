"""The engine's modes: grad recording (`no_grad`, `enable_grad`) and the hooks other modes use.

Every mode that changes how an operation is recorded (grad off, anomaly detection, autocast,
forward mode) is one field of `modes`; `modes.lean` is True when none of them is on, so an
operation checks a single flag before taking the lean path (no per-mode tests per node).
Modes outside the core (mixed precision, checkpointing) use the public hooks below.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator


class _Modes:
    """Which modes are on; `lean` = grad recording on and nothing else."""

    __slots__ = ("grad", "anomaly", "autocast", "forward", "lean")

    def __init__(self):
        self.grad = True
        self.anomaly = False
        self.autocast: Callable | None = None  # (fn, input nodes) -> (fn, recast input nodes)
        self.forward = 0  # nesting depth of jvp
        self.lean = True

    def changed(self) -> None:
        self.lean = self.grad and not self.anomaly and self.autocast is None and not self.forward


modes = _Modes()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return modes.grad


def set_grad_enabled(enabled: bool) -> None:
    """Turn graph recording on or off."""
    modes.grad = bool(enabled)
    modes.changed()


def get_autocast_policy() -> Callable | None:
    """The mixed-precision policy in force: (fn, input nodes) -> (fn, recast nodes), or None."""
    return modes.autocast


def set_autocast_policy(policy: Callable | None) -> None:
    """Install (or remove, with None) the policy every operation passes its inputs through."""
    modes.autocast = policy
    modes.changed()


def is_forward_mode() -> bool:
    """True while `jvp` pushes tangents through operations."""
    return modes.forward > 0


@contextlib.contextmanager
def forward_mode() -> Iterator[None]:
    """Inside: every operation also computes its output's tangent from its inputs' (jvp)."""
    modes.forward += 1
    modes.changed()
    try:
        yield
    finally:
        modes.forward -= 1
        modes.changed()


class _GradMode(contextlib.ContextDecorator):
    """Base of `no_grad` / `enable_grad`: a context manager that is also a decorator."""

    _target: bool

    def __enter__(self):
        self._previous = is_grad_enabled()
        set_grad_enabled(self._target)
        return self

    def __exit__(self, *exc):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, func):
        # A fresh instance per call keeps nested and recursive uses independent.
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Operations inside run on plain data and record nothing (inference, optimizer steps)."""

    _target = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a `no_grad` block."""

    _target = True
