"""Provides the USB round: sealed batches out to a folder, signed receipts back in.

A folder on a USB stick carries exactly what HTTP would: the same sealed bytes, one file a
batch, under `township-sync/to-<hub id>/<node id>/`, with a manifest the node signs. The
hub writes its signed receipts (and its current catalogs) under
`township-sync/from-<hub id>/<node id>/`. Files may be imported in any order and any
number of times; a receipt counts only if it verifies with the hub key the node pinned.

A stick is peer input: a `.tsf` feed page is read only up to MAX_FRAME_SIZE and a `.json` file
up to MAX_DOCUMENT_SIZE, never through a link nor from anything but a regular file, and the
export writes only inside the stick (stick.py). Each file refused is one reason, in English
and in Chinese, and the import goes on with the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sync_protocol import (
    MAX_FRAME_SIZE,
    HubInfo,
    ProtocolError,
    Receipt,
    SignedDocument,
    format_timestamp,
    open_feed_page,
    sign_document,
)

from ..catalog import take_catalog_bundle
from ..enrollment import pinned_hub
from ..errors import NodeError, StickFileRefused
from ..home import NodeHome
from .feed import FeedReport, feed_request, take_feed_page
from .outbox import Outbox
from .sealing import forget_acknowledged, sealed_blob
from .stick import Stick

__all__ = ["ExportReport", "ImportReport", "export_batches", "import_receipts"]

ROOT = "township-sync"
Progress = Callable[[int, int], None]
log = logging.getLogger("township_node.usb")


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
    reasons: tuple[str, ...] = ()
    """One line per file not taken: which file and why (English, for the log and the CLI)."""
    reasons_zh: tuple[str, ...] = ()
    """The same lines as the clerk's window shows them."""


class _Refusals:
    """The reasons for the files an import did not take, in both languages."""

    def __init__(self) -> None:
        self.english: list[str] = []
        self.chinese: list[str] = []

    def add(self, path: Path, exc: Exception, *, zh: str) -> None:
        """Notes `path` refused for `exc`; `zh` says it for the clerk when `exc` cannot."""
        name = f"{path.parent.name}/{path.name}"
        self.english.append(f"{name}: {exc}")
        self.chinese.append(f"{name}：{getattr(exc, 'message_zh', '') or zh}")
        log.warning("usb file not taken: %s: %s", name, exc)


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
    stick = Stick(folder)
    target = folder / ROOT / f"to-{hub.hub_id}" / home.node_id
    listed, size = [], 0
    try:
        for done, batch in enumerate(batches, start=1):
            blob = sealed_blob(home, batch, hub)
            name = f"batch-{batch.header.batch_seq:08d}.tsb"
            stick.write(target / name, blob)
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
        stick.write(
            target / "manifest.json",
            json.dumps(manifest.to_dict(), ensure_ascii=False).encode("utf-8"),
        )
        # Asks the hub for this center's feed from the position held here (cases handed
        # here, results sent back); the hub writes the pages next to the receipts.
        stick.write(
            target / "feed-request.json",
            json.dumps(feed_request(home).to_dict(), ensure_ascii=False).encode("utf-8"),
        )
    except StickFileRefused as exc:
        raise StickFileRefused(
            f"cannot write to {folder}: {exc.message}; nothing on this PC changed",
            message_zh=f"无法写入 {folder}：{exc.message_zh}，请换一个U盘文件夹",
        ) from exc
    except OSError as exc:
        raise NodeError(
            f"cannot write to {folder}: {exc.strerror or exc}; nothing on this PC changed",
            message_zh=f"无法写入 {folder}（{exc.strerror or exc}），请检查U盘空间或是否只读",
        ) from exc
    events = sum(b.header.event_count for b in batches)
    return ExportReport(str(target), len(batches), events, size)


def import_receipts(home: NodeHome, folder: Path) -> ImportReport:
    """Applies the hub's signed receipts (and newer catalogs) found in `folder`.

    A file that is not taken (unreadable, not signed by the pinned hub, for another node)
    is counted in `ignored` with its reason; it never stops the import of the others.
    """
    _, hub = pinned_hub(home)
    stick = Stick(folder)
    source = folder / ROOT / f"from-{hub.hub_id}"
    refusals = _Refusals()
    outbox = Outbox(home)
    seen = applied = 0
    for path in sorted((source / home.node_id).glob("receipt-*.json")):
        seen += 1
        try:
            document = SignedDocument.from_dict(stick.read_json(path))
            receipt = Receipt.verify(document, hub.verify_key())
        except (ProtocolError, StickFileRefused) as exc:
            refusals.add(path, exc, zh="回执无法验证：不是本县级中心签发的，或已损坏")
            continue
        if receipt.node_id != home.node_id:
            refusals.add(
                path,
                StickFileRefused(
                    f"a receipt for node {receipt.node_id}, not this one",
                    message_zh=f"这是节点 {receipt.node_id} 的回执，不是本机的",
                ),
                zh="",
            )
            continue
        if not outbox.record_receipt(receipt, document):
            refusals.add(
                path,
                StickFileRefused(
                    "names a batch this node does not hold", message_zh="回执所指的批次本机没有"
                ),
                zh="",
            )
            continue
        applied += receipt.status == "applied"
    forget_acknowledged(home)
    fed = _take_feed_pages(home, stick, source / home.node_id, hub, refusals)
    versions = _take_catalog(home, stick, source / "catalog.json", refusals)
    ignored = len(refusals.english)
    return ImportReport(
        seen,
        applied,
        ignored,
        tuple(versions),
        fed,
        tuple(refusals.english),
        tuple(refusals.chinese),
    )


def _take_feed_pages(
    home: NodeHome, stick: Stick, folder: Path, hub: HubInfo, refusals: _Refusals
) -> FeedReport:
    fed = FeedReport()
    for path in sorted(folder.glob("feed-*.tsf")):  # named by position
        try:
            page = open_feed_page(
                stick.read(path, limit=MAX_FRAME_SIZE),
                node_id=home.node_id,
                key=home.keys.sealing,
                hub_key=hub.verify_key(),
            )
        except (ProtocolError, StickFileRefused) as exc:
            refusals.add(path, exc, zh="动态文件无法打开：不是本县级中心发给本机的，或已损坏")
            continue
        fed += take_feed_page(home, page, hub_id=hub.hub_id)
    return fed


def _take_catalog(home: NodeHome, stick: Stick, path: Path, refusals: _Refusals) -> list[str]:
    if not (path.is_symlink() or path.exists()):
        return []
    try:
        return take_catalog_bundle(home, stick.read_json(path))
    except (ProtocolError, NodeError) as exc:
        refusals.add(path, exc, zh="目录文件无法使用：不是本县级中心签发的，或已损坏")
        return []
