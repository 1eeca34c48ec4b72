"""Provides the sync schedule: when the next round runs, and how big its batches are.

Pure functions decide (so tests need no clock): after a good round the next one follows at
the normal interval and batches grow back; after a failed one the wait grows exponentially
with jitter, never shorter than the hub's Retry-After, and batches shrink, so a poor link
carries smaller uploads and a struggling hub is never hammered. `run_round` is the one
entry point the CLI, the daemon and the clerk's app all use; it stores the state in the
node's settings, where `township-node status` and the app read it.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

from sync_protocol import format_timestamp, parse_timestamp

from .. import SOFTWARE
from ..enrollment import pinned_hub
from ..errors import NodeError, SyncFailed
from ..home import NodeHome
from ..store import get_json_setting, set_setting
from .round import SyncReport, sync_once

__all__ = [
    "MAX_BATCH_EVENTS",
    "MIN_BATCH_EVENTS",
    "SyncState",
    "after_failure",
    "after_success",
    "is_due",
    "load_state",
    "request_round",
    "run_forever",
    "run_round",
]

# Named as before the move into sync/: operators filter the log on it.
log = logging.getLogger("township_node.schedule")

MAX_BATCH_EVENTS = 1000
MIN_BATCH_EVENTS = 50
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
DEFAULT_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SyncState:
    failures: int = 0
    """Rounds failed in a row."""
    next_try_at: str = ""
    last_attempt_at: str = ""
    last_ok_at: str = ""
    last_error: str = ""
    """Why the last round failed, in English (logs, CLI)."""
    last_error_zh: str = ""
    """The same for the clerk, in Chinese plain words."""
    batch_events: int = MAX_BATCH_EVENTS
    """Events per batch the next cut uses."""


def after_success(state: SyncState, now: datetime, *, interval: timedelta) -> SyncState:
    return replace(
        state,
        failures=0,
        next_try_at=format_timestamp(now + interval),
        last_attempt_at=format_timestamp(now),
        last_ok_at=format_timestamp(now),
        last_error="",
        last_error_zh="",
        batch_events=min(MAX_BATCH_EVENTS, state.batch_events * 2),
    )


def after_failure(
    state: SyncState,
    now: datetime,
    *,
    error: str,
    error_zh: str,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> SyncState:
    """Backs off: 30 s, 60 s, 2 min … up to an hour, each drawn from its upper half."""
    failures = state.failures + 1
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** (failures - 1))
    delay = ceiling * (rng or random).uniform(0.5, 1.0)
    delay = max(delay, timedelta(seconds=retry_after or 0))
    return replace(
        state,
        failures=failures,
        next_try_at=format_timestamp(now + delay),
        last_attempt_at=format_timestamp(now),
        last_error=error,
        last_error_zh=error_zh,
        batch_events=max(MIN_BATCH_EVENTS, state.batch_events // 2),
    )


def is_due(state: SyncState, now: datetime) -> bool:
    return not state.next_try_at or parse_timestamp(state.next_try_at) <= now


def load_state(home: NodeHome) -> SyncState:
    stored = get_json_setting(home.conn, "sync_state")
    return SyncState(**stored) if stored else SyncState()


def request_round(home: NodeHome) -> None:
    """Makes a round due now ("sync now"), whatever the back-off said."""
    _save_state(home, replace(load_state(home), next_try_at=""))


def _save_state(home: NodeHome, state: SyncState) -> None:
    with home.database.transaction() as conn:
        set_setting(conn, "sync_state", asdict(state))


def run_round(
    home: NodeHome,
    *,
    interval: timedelta = DEFAULT_INTERVAL,
    attempts: int = 2,
    batch_events: int | None = None,
    max_bytes: int | None = None,
) -> SyncReport:
    """Runs one sync round now and records what happened in the schedule.

    Returns:
        The round's SyncReport.

    Raises:
        SyncFailed: as `sync_once`; the schedule has recorded the failure first.
    """
    from sync_protocol import HubClient  # the network stack loads only when a round runs

    state = load_state(home)
    url, _ = pinned_hub(home)
    try:
        with HubClient(
            url, attempts=attempts, backoff=0.2, timeout=30.0, software=SOFTWARE
        ) as client:
            report = sync_once(
                home,
                client,
                batch_events=batch_events or state.batch_events,
                max_bytes=max_bytes,
            )
    except SyncFailed as exc:
        _save_state(
            home,
            after_failure(
                state,
                datetime.now(UTC),
                error=exc.message,
                error_zh=exc.message_zh,
                retry_after=exc.retry_after,
            ),
        )
        _backup_if_due(home)  # offline for days is normal: backups go on regardless
        raise
    _save_state(home, after_success(state, datetime.now(UTC), interval=interval))
    _backup_if_due(home)
    return report


def _backup_if_due(home: NodeHome) -> None:
    """Takes a rolling backup when the newest is over an hour old (backup.py); a failing
    backup is logged and never fails the round."""
    from ..backup import take_rolling_backup

    try:
        take_rolling_backup(home)
    except (NodeError, OSError) as exc:
        log.warning("rolling backup failed: %s", exc)


def run_forever(
    home: NodeHome,
    *,
    interval: timedelta = DEFAULT_INTERVAL,
    stop: threading.Event | None = None,
) -> None:
    """Runs rounds when due until `stop` is set (or the process is stopped).

    A failed round is logged and waits for its back-off; nothing here raises for a bad
    link, so the loop survives days offline.
    """
    stop = stop or threading.Event()
    while not stop.is_set():
        if is_due(load_state(home), datetime.now(UTC)):
            try:
                run_round(home, interval=interval)
            except NodeError as exc:
                log.warning("sync round failed: %s", exc.message)
        stop.wait(_seconds_until_due(load_state(home)))


def _seconds_until_due(state: SyncState) -> float:
    if not state.next_try_at:
        return 1.0
    wait = (parse_timestamp(state.next_try_at) - datetime.now(UTC)).total_seconds()
    return min(max(wait, 1.0), 60.0)  # wake at least each minute, to notice new work
