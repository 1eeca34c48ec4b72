"""Provides the node's sync with its county hub, both ways and by either road.

Up: the outbox cuts the event log into signed batches (outbox.py), each sealed to the hub and
kept until acknowledged (sealing.py), sent two in flight with receipts verified (sender.py).
Down: the feed pages of cases other centers work on (feed.py). One round does both and takes
newer catalogs (round.py); the schedule says when the next round runs and how big its batches
are (schedule.py); the window's view of the link is link.py; a USB stick carries the same
batches and receipts where there is no link (usb.py).
"""

from __future__ import annotations

from .feed import FeedReport, feed_position, feed_request, pull_feed, take_feed_page
from .link import (
    LinkState,
    SyncOutcome,
    plain_error,
    read_link_state,
    run_sync,
    sync_due,
    usb_available,
)
from .outbox import DEFAULT_BATCH_EVENTS, Outbox, OutboxStatus
from .round import SyncReport, sync_once
from .schedule import (
    MAX_BATCH_EVENTS,
    MIN_BATCH_EVENTS,
    SyncState,
    after_failure,
    after_success,
    is_due,
    load_state,
    request_round,
    run_forever,
    run_round,
)
from .sealing import forget_acknowledged, forget_sealed, sealed_blob, write_atomically
from .sender import BatchSender, SentTotals
from .usb import ExportReport, ImportReport, export_batches, import_receipts

__all__ = [
    "DEFAULT_BATCH_EVENTS",
    "MAX_BATCH_EVENTS",
    "MIN_BATCH_EVENTS",
    "BatchSender",
    "ExportReport",
    "FeedReport",
    "ImportReport",
    "LinkState",
    "Outbox",
    "OutboxStatus",
    "SentTotals",
    "SyncOutcome",
    "SyncReport",
    "SyncState",
    "after_failure",
    "after_success",
    "export_batches",
    "feed_position",
    "feed_request",
    "forget_acknowledged",
    "forget_sealed",
    "import_receipts",
    "is_due",
    "load_state",
    "plain_error",
    "pull_feed",
    "read_link_state",
    "request_round",
    "run_forever",
    "run_round",
    "run_sync",
    "sealed_blob",
    "sync_due",
    "sync_once",
    "take_feed_page",
    "usb_available",
    "write_atomically",
]
