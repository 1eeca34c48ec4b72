"""Provides one sync round: cut batches, send them, take newer catalogs.

The hub's receipt is the only thing that marks a batch delivered. A lost answer means the
batch is sent again next round and the hub returns the receipt it already issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from sync_protocol import (
    HubRejected,
    ProtocolError,
    format_timestamp,
)

from ..catalog import pull_catalog
from ..enrollment import pinned_hub
from ..errors import SyncFailed
from ..failures import as_sync_failure
from ..home import NodeHome
from ..permissions import FILE_MODE
from .feed import FeedReport, pull_feed
from .outbox import DEFAULT_BATCH_EVENTS, Outbox
from .sender import BatchSender

if TYPE_CHECKING:  # the client (httpx) loads only when a round runs
    from sync_protocol import HubClient

__all__ = ["SyncReport", "sync_once"]


@dataclass(frozen=True, slots=True)
class SyncReport:
    batches_sent: int
    events_sent: int
    bytes_sent: int
    next_batch_seq: int
    catalog_versions: tuple[str, ...] = ()
    """Catalog versions this round took from the hub (none when nothing was new)."""
    capped: bool = False
    """The byte cap stopped the round with batches left for the next one."""
    feed: FeedReport = field(default_factory=FeedReport)
    """What other centers recorded on cases this center is party to, taken this round."""


def sync_once(
    home: NodeHome,
    client: HubClient,
    *,
    batch_events: int = DEFAULT_BATCH_EVENTS,
    window: int = 2,
    max_bytes: int | None = None,
) -> SyncReport:
    """Delivers everything recorded so far, takes this center's feed (what other centers
    recorded on its cross-level cases), then any newer catalog from the hub.

    Raises:
        SyncFailed: exit_code 3 when the hub cannot be reached, 4 when it refuses.
    """
    try:
        with FileLock(home.path / "sync.lock", timeout=0, mode=FILE_MODE):
            return _round(
                home, client, batch_events=batch_events, window=window, max_bytes=max_bytes
            )
    except Timeout:
        raise SyncFailed(
            "another sync round is already running on this PC; this one stops",
            exit_code=3,
            message_zh="本机已有同步正在进行，本次同步已停止",
        ) from None


def _round(
    home: NodeHome, client: HubClient, *, batch_events: int, window: int, max_bytes: int | None
) -> SyncReport:
    Outbox(home).cut(max_events=batch_events)
    try:
        _, hub = pinned_hub(home)
        sender = BatchSender(home, client, hub, window=window, max_bytes=max_bytes)
        sent = sender.send_all()
        fed = pull_feed(home, client, hub)
        taken = pull_catalog(home, client)
    except ProtocolError as exc:
        outcome = "rejected" if isinstance(exc, HubRejected) else "failed"
        _log(home, outcome, f"{getattr(exc, 'remote_code', exc.code)}: {exc.message}")
        raise as_sync_failure(exc) from exc
    _log(home, "ok", f"{sent.batches} batches, {sent.events} events, {fed.events} fed")
    return SyncReport(
        sent.batches,
        sent.events,
        sent.bytes,
        sent.next_batch_seq,
        tuple(taken),
        sender.capped,
        fed,
    )


def _log(home: NodeHome, outcome: str, detail: str) -> None:
    with home.database.transaction() as conn:
        conn.execute(
            "INSERT INTO sync_log (at, outcome, detail) VALUES (?, ?, ?)",
            (format_timestamp(datetime.now(UTC)), outcome, detail),
        )
