"""The schedule backs off on a bad link, never hammers a hub, and adapts batch size."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sync_protocol import parse_timestamp
from township_node.sync import (
    MAX_BATCH_EVENTS,
    MIN_BATCH_EVENTS,
    SyncState,
    after_failure,
    after_success,
    is_due,
)

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _fail(state: SyncState, *, retry_after: float | None = None, seed: int = 1) -> SyncState:
    return after_failure(
        state,
        NOW,
        error="cannot reach hub",
        error_zh="无法连接",
        retry_after=retry_after,
        rng=random.Random(seed),
    )


def _wait(state: SyncState) -> float:
    return (parse_timestamp(state.next_try_at) - NOW).total_seconds()


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [
        (1, 15, 30),  # first failure: 15-30 s
        (2, 30, 60),
        (5, 240, 480),
        (20, 1800, 3600),  # never more than an hour
    ],
)
def test_wait_after_failures_grows_exponentially_within_jitter(failures, low, high):
    state = SyncState(failures=failures - 1)
    for seed in range(20):
        assert low <= _wait(_fail(state, seed=seed)) <= high


def test_wait_is_never_shorter_than_the_hubs_retry_after():
    assert _wait(_fail(SyncState(), retry_after=600)) == 600


def test_failures_shrink_batches_and_success_grows_them_back():
    state = SyncState()
    for _ in range(10):
        state = _fail(state)
    assert state.batch_events == MIN_BATCH_EVENTS
    for _ in range(10):
        state = after_success(state, NOW, interval=timedelta(minutes=5))
    assert state.batch_events == MAX_BATCH_EVENTS


def test_success_clears_the_error_and_waits_the_normal_interval():
    state = after_success(_fail(SyncState()), NOW, interval=timedelta(minutes=5))
    assert (state.failures, state.last_error, state.last_error_zh) == (0, "", "")
    assert _wait(state) == 300
    assert not is_due(state, NOW) and is_due(state, NOW + timedelta(minutes=5))


def test_a_new_node_is_due_at_once():
    assert is_due(SyncState(), NOW)
