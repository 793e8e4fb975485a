"""Grad mode: whether operations record a graph (`no_grad`, `enable_grad`)."""

from __future__ import annotations

import contextlib
import functools


class _State:
    enabled = True


_state = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return _state.enabled


def set_grad_enabled(enabled: bool) -> None:
    """Turn graph recording on or off."""
    _state.enabled = bool(enabled)


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
