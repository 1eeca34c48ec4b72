"""Provides sign-in throttling: failures slow down the address and the name they come from,
with windows that double, instead of locking an account.

A hard lock ("five wrong passwords lock the name for 15 minutes") lets anyone who knows a
county admin's name lock them out. Here:

- each address gets `free_failures` wrong passwords, then a refusal window of 1 s that
  doubles with every further failure, up to 15 minutes: one guessing PC is slowed to a few
  guesses an hour, and only that PC;
- each name gets fewer free failures and the same doubling, but only attempts from browsers
  that have never signed in to that name count and are refused: a browser that signed in to
  it before carries a signed device cookie (auth.py) and is slowed only by its own address,
  so the owner at their usual PC is never held back by someone guessing elsewhere;
- a person who is signed in is not affected at all (throttling never ends a session).

A window is refused without checking the password, so a refused guess tells nothing and costs
the hub no argon2 hash. State lives in the hub process (a restart forgives; with several
workers each counts its own share) and is bounded in size. Every window that starts is
written to the audit log by the sign-in page, so the dashboard shows who was slowed.
The clock is injected: tests advance it instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Backoff", "SignInGuard", "Slowed"]


@dataclass(slots=True)
class _Failures:
    count: int = 0
    last_at: float = 0.0
    refused_until: float = 0.0


@dataclass(frozen=True, slots=True)
class Slowed:
    """A refusal window that started: which key, after how many failures, for how long."""

    kind: str
    """"address" or "name"."""
    key: str
    failures: int
    seconds: int


@dataclass
class Backoff:
    """Failure counts per key with doubling refusal windows, on an injected clock."""

    free_failures: int
    first_wait: float = 1.0
    max_wait: float = 15 * 60
    forget_after: float = 60 * 60
    """Seconds without a failure after which a key starts afresh."""
    max_keys: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, _Failures] = field(default_factory=dict)

    def wait(self, key: str) -> float:
        """Seconds left before `key` may try again (0: it may try now)."""
        found = self._current(key)
        return 0.0 if found is None else max(0.0, found.refused_until - self.clock())

    def failed(self, key: str) -> tuple[int, float]:
        """Counts a failure; returns the failures so far and the window it started (0: none)."""
        now = self.clock()
        found = self._current(key) or self._keys.setdefault(key, _Failures())
        found.count += 1
        found.last_at = now
        over = found.count - self.free_failures
        window = 0.0 if over <= 0 else min(self.max_wait, self.first_wait * 2 ** (over - 1))
        found.refused_until = now + window
        self._bound()
        return found.count, window

    def succeeded(self, key: str) -> None:
        """Forgets the key's failures."""
        self._keys.pop(key, None)

    def _current(self, key: str) -> _Failures | None:
        found = self._keys.get(key)
        if found is not None and self.clock() - found.last_at > self.forget_after:
            del self._keys[key]
            return None
        return found

    def _bound(self) -> None:
        if len(self._keys) <= self.max_keys:
            return
        now = self.clock()
        for key in [k for k, f in self._keys.items() if now - f.last_at > self.forget_after]:
            del self._keys[key]
        while len(self._keys) > self.max_keys:  # the longest quiet go first
            del self._keys[min(self._keys, key=lambda k: self._keys[k].last_at)]


def _address_backoff(clock: Callable[[], float]) -> Backoff:
    # More free failures than a name: a county office's PCs share one address behind its router.
    return Backoff(free_failures=10, clock=clock)


def _name_backoff(clock: Callable[[], float]) -> Backoff:
    return Backoff(free_failures=5, clock=clock)


@dataclass
class SignInGuard:
    """The two backoffs of the sign-in form: by client address and by account name."""

    clock: Callable[[], float] = time.monotonic
    by_address: Backoff = field(init=False)
    by_name: Backoff = field(init=False)

    def __post_init__(self) -> None:
        self.by_address = _address_backoff(self.clock)
        self.by_name = _name_backoff(self.clock)

    def wait(self, *, address: str, username: str, known_browser: bool) -> float:
        """Seconds before this attempt may be checked (0: check it now)."""
        waits = [self.by_address.wait(address)]
        if not known_browser:
            waits.append(self.by_name.wait(username))
        return max(waits)

    def failed(self, *, address: str, username: str, known_browser: bool) -> list[Slowed]:
        """Counts a wrong password; returns the windows it started, for the audit log."""
        started = []
        count, window = self.by_address.failed(address)
        if window:
            started.append(Slowed("address", address, count, _whole_seconds(window)))
        if not known_browser:
            count, window = self.by_name.failed(username)
            if window:
                started.append(Slowed("name", username, count, _whole_seconds(window)))
        return started

    def succeeded(self, *, username: str) -> None:
        """Forgets the name's failures. Not the address's: someone guessing from a PC could
        otherwise sign in to an account of their own between guesses to start afresh."""
        self.by_name.succeeded(username)


def _whole_seconds(seconds: float) -> int:
    return max(1, round(seconds))
