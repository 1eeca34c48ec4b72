"""Provides the USB round: sealed batches out to a folder, signed receipts back in.

A folder on a USB stick carries exactly what HTTP would: the same sealed bytes, one file a
batch, under `township-sync/to-<hub id>/<node id>/`, with a manifest the node signs. The
hub writes its signed receipts (and its current catalogs) under
`township-sync/from-<hub id>/<node id>/`. Files may be imported in any order and any
number of times; a receipt counts only if it verifies with the hub key the node pinned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sync_protocol import (
    ProtocolError,
    Receipt,
    SignedDocument,
    format_timestamp,
    open_feed_page,
    parse_json,
    sign_document,
)

from ..catalog import take_catalog_bundle
from ..enrollment import pinned_hub
from ..errors import NodeError
from ..home import NodeHome
from .feed import FeedReport, feed_request, take_feed_page
from .outbox import Outbox
from .sealing import forget_acknowledged, sealed_blob, write_atomically

__all__ = ["ExportReport", "ImportReport", "export_batches", "import_receipts"]

ROOT = "township-sync"
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ExportReport:
    folder: str
    batches: int
    events: int
    bytes: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    receipts: int
    applied: int
    ignored: int
    """Receipts that did not verify or were not for this node (kept out, not fatal)."""
    catalog_versions: tuple[str, ...]
    feed: FeedReport = field(default_factory=FeedReport)
    """What other centers recorded on this center's cross-level cases, from feed pages."""


def export_batches(
    home: NodeHome, folder: Path, *, progress: Progress | None = None
) -> ExportReport:
    """Writes every unacknowledged batch, sealed to the pinned hub, into `folder`.

    Raises:
        NodeError: the folder cannot be written (full stick, read-only, missing).
    """
    _, hub = pinned_hub(home)
    outbox = Outbox(home)
    outbox.cut()
    batches = outbox.unacknowledged()
    target = folder / ROOT / f"to-{hub.hub_id}" / home.node_id
    listed, size = [], 0
    try:
        for done, batch in enumerate(batches, start=1):
            blob = sealed_blob(home, batch, hub)
            name = f"batch-{batch.header.batch_seq:08d}.tsb"
            write_atomically(target / name, blob)
            listed.append(
                {
                    "file": name,
                    "batch_seq": batch.header.batch_seq,
                    "batch_hash": batch.header.batch_hash,
                    "bytes": len(blob),
                }
            )
            size += len(blob)
            if progress:
                progress(done, len(batches))
        manifest = sign_document(
            "usb_manifest",
            {
                "node_id": home.node_id,
                "center_code": home.center_code,
                "hub_id": hub.hub_id,
                "exported_at": format_timestamp(datetime.now(UTC)),
                "batches": listed,
            },
            home.keys.signing,
        )
        write_atomically(
            target / "manifest.json",
            json.dumps(manifest.to_dict(), ensure_ascii=False).encode("utf-8"),
        )
        # Asks the hub for this center's feed from the position held here (cases handed
        # here, results sent back); the hub writes the pages next to the receipts.
        write_atomically(
            target / "feed-request.json",
            json.dumps(feed_request(home).to_dict(), ensure_ascii=False).encode("utf-8"),
        )
    except OSError as exc:
        raise NodeError(
            f"cannot write to {folder}: {exc.strerror or exc}; nothing on this PC changed",
            message_zh=f"无法写入 {folder}（{exc.strerror or exc}），请检查U盘空间或是否只读",
        ) from exc
    events = sum(b.header.event_count for b in batches)
    return ExportReport(str(target), len(batches), events, size)


def import_receipts(home: NodeHome, folder: Path) -> ImportReport:
    """Applies the hub's signed receipts (and newer catalogs) found in `folder`."""
    _, hub = pinned_hub(home)
    source = folder / ROOT / f"from-{hub.hub_id}"
    outbox = Outbox(home)
    seen = applied = ignored = 0
    for path in sorted((source / home.node_id).glob("receipt-*.json")):
        seen += 1
        try:
            document = SignedDocument.from_dict(json.loads(path.read_bytes()))
            receipt = Receipt.verify(document, hub.verify_key())
        except (ProtocolError, ValueError, OSError):
            ignored += 1
            continue
        if receipt.node_id != home.node_id:
            ignored += 1
            continue
        if not outbox.record_receipt(receipt, document):
            ignored += 1
            continue
        applied += receipt.status == "applied"
    forget_acknowledged(home)
    fed = FeedReport()
    for path in sorted((source / home.node_id).glob("feed-*.tsf")):  # named by position
        try:
            page = open_feed_page(
                path.read_bytes(),
                node_id=home.node_id,
                key=home.keys.sealing,
                hub_key=hub.verify_key(),
            )
        except (ProtocolError, OSError):
            ignored += 1
            continue
        fed += take_feed_page(home, page, hub_id=hub.hub_id)
    versions: list[str] = []
    catalog_file = source / "catalog.json"
    if catalog_file.exists():
        bundle = parse_json(catalog_file.read_bytes(), what=f"catalog file {catalog_file}")
        versions = take_catalog_bundle(home, bundle)
    return ImportReport(seen, applied, ignored, tuple(versions), fed)
