"""`Coalescer`: many change events, one redraw with the latest settings.

Dragging a slider sends a burst of change events. Redrawing once per event would queue a
backlog (each redraw of a deep network takes tens of milliseconds), and the picture would lag
behind the hand. Instead, an event only marks the picture *stale* and schedules one redraw a
moment later; events that arrive before that redraw, or while it runs, just keep the mark set.
The redraw reads the controls' values when it starts, so it always shows the latest settings,
and at most one more redraw follows the last event.

The scheduling is pluggable so tests can drive it step by step: `schedule(callback)` must call
`callback()` later (the default uses the running asyncio loop of the Jupyter kernel, or calls
at once when there is no loop, as in a plain script).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

#: how long a burst of slider events may gather before the redraw starts (seconds)
DEFAULT_DELAY = 0.03


def schedule_soon(callback: Callable[[], None], delay: float = DEFAULT_DELAY) -> None:
    """Call `callback` after `delay` s on the running event loop, or now if there is none."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop in this thread: a script or a test, run synchronously
        callback()
        return
    loop.call_later(delay, callback)


class Coalescer:
    """Run `fn` once for any number of `request()`s made before (or while) it runs.

    >>> calls = []; pending = []
    >>> c = Coalescer(lambda: calls.append(1), schedule=pending.append)
    >>> for _ in range(10): c.request()
    >>> len(pending), len(calls)      # one redraw scheduled, none run yet
    (1, 0)
    >>> pending.pop()(); len(calls)   # the redraw runs once, for all ten requests
    1
    """

    def __init__(
        self,
        fn: Callable[[], None],
        schedule: Callable[[Callable[[], None]], None] | None = None,
    ):
        self._fn = fn
        self._schedule = schedule if schedule is not None else schedule_soon
        self._stale = False  # a request arrived that no run has served yet
        self._scheduled = False  # a callback is waiting in the scheduler
        self._running = False
        self.requests = 0  # how many requests arrived (for tests and curiosity)
        self.runs = 0  # how many times fn ran

    @property
    def stale(self) -> bool:
        """True while a request waits for its run."""
        return self._stale

    def request(self) -> None:
        """Mark the result stale; schedule one run unless one is already on its way."""
        self.requests += 1
        self._stale = True
        if self._running or self._scheduled:
            return  # the pending (or current) run's loop will pick this request up
        self._scheduled = True
        self._schedule(self._scheduled_run)

    def run_now(self) -> None:
        """Run now (or, if a run is in progress, once more right after it)."""
        self.requests += 1
        self._stale = True
        if not self._running:
            self._run()

    def flush(self) -> None:
        """Run now if stale (so code that reads results right after a change sees them)."""
        if self._stale and not self._running:
            self._run()

    def _scheduled_run(self) -> None:
        self._scheduled = False
        if not self._running:
            self._run()

    def _run(self) -> None:
        self._running = True
        try:
            # Requests made while fn runs set _stale again: loop once more for them, not once each.
            while self._stale:
                self._stale = False
                self.runs += 1
                self._fn()
        finally:
            self._running = False
