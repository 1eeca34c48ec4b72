"""Provides the window's garbage-collection pause: none while the clerk types, one when they stop.

With 100,000 local cases the window's heap is large enough that a full (generation 2) cyclic
collection takes 55–93 ms on the reference machine; Python starts one whenever enough objects
were allocated, which while typing into the case search means in the middle of a keystroke
(docs/performance.md, the clerk's window). Reference counting frees nearly everything the
window drops anyway; only cycles wait for the collector, and they can wait a second.

So the first key, click or paste of a burst holds the collector, and once no input came for
`quiet_after` seconds (or a burst ran `longest_hold` seconds) it is let go with one full
collection, at a moment the clerk is reading, not typing. Textual's own PAUSE_GC_ON_SCROLL
does the same for smooth scrolling.
"""

from __future__ import annotations

import gc

__all__ = ["IdleCollector"]


class IdleCollector:
    """Holds Python's cyclic collector during bursts of input; collects once they stop.

    Args:
        quiet_after: seconds without input after which the held collection runs.
        longest_hold: seconds a burst may hold it at most, so endless typing still collects.
    """

    def __init__(self, *, quiet_after: float = 1.0, longest_hold: float = 30.0) -> None:
        self.quiet_after = quiet_after
        self.longest_hold = longest_hold
        self._held_since: float | None = None
        self._last_input = 0.0

    @property
    def holding(self) -> bool:
        return self._held_since is not None

    def input_came(self, now: float) -> None:
        """A key, click or paste at `now` (monotonic seconds)."""
        self._last_input = now
        if self._held_since is None and gc.isenabled():
            # Not if the collector was already off: then someone else holds it, and we
            # must not turn it back on under them.
            gc.disable()
            self._held_since = now

    def collect_if_quiet(self, now: float) -> bool:
        """Lets the collector go, with one full collection, once the burst is over.

        Returns whether it collected."""
        if self._held_since is None:
            return False
        quiet = now - self._last_input >= self.quiet_after
        if not quiet and now - self._held_since < self.longest_hold:
            return False
        self.release()
        gc.collect()
        return True

    def release(self) -> None:
        """Turns the collector back on without collecting (the window is closing)."""
        if self._held_since is not None:
            self._held_since = None
            gc.enable()
