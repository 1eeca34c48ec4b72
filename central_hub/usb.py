"""Provides the hub's side of USB rounds: import batches, write receipts, forward by stick.

Layout (the same as township_node/sync/usb.py): batches addressed to a hub lie under
`township-sync/to-<hub id>/<node id>/batch-*.tsb`; a hub writes its signed receipts, each
node's cursor and its current catalogs under `township-sync/from-<hub id>/`. A county that
forwards by stick writes the node registrations it vouches for under
`to-<prefecture id>/registrations/`. Import is idempotent and order-free: it runs the very
same ingest as HTTP, so a batch imported twice gets the receipt it got the first time, and
one that skips ahead is held until the gap closes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sync_protocol import (
    Forwarder,
    ProtocolError,
    Receipt,
    SignedDocument,
    peek_batch,
    seal_batch,
    sign_document,
)

from .enrollment import accept_forwarded_registration, sign_registration
from .errors import HubError
from .forwarding import (
    accept_backlog,
    answer_feed_request,
    backlog_statement,
    catalog_bundle,
    feed_page_for,
    load_batch,
    nodes_with_backlog,
    save_forward_state,
    upstream_of,
)
from .home import HubHome
from .ingest import Ingestor
from .store import batches, forward_state, nodes

__all__ = ["ImportSummary", "export_forward", "import_folder", "import_forward_receipts"]

ROOT = "township-sync"
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    files: int = 0
    applied: int = 0
    duplicate: int = 0
    held: int = 0
    rejected: int = 0
    registrations: int = 0
    feed_pages: int = 0
    """Pages of the downward feed written for the nodes that asked (feed-request.json)."""
    reasons: list[str] = field(default_factory=list)
    """One line per refused file: which file and why."""


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name of its own: two rounds at once may write the same file.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_json(path: Path, obj: Any) -> None:
    _write(path, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def import_folder(
    home: HubHome, folder: Path, *, progress: Progress | None = None
) -> ImportSummary:
    """Ingests every batch in `folder` addressed to this hub and writes receipts back.

    Raises:
        HubError: the folder cannot be read or written.
    """
    inbox = folder / ROOT / f"to-{home.config.hub_id}"
    summary = ImportSummary()
    try:
        for path in sorted((inbox / "registrations").glob("*.json")):
            if _take_statement(path, summary, accept_forwarded_registration, home):
                summary.registrations += 1
        if (inbox / "backlog.json").exists():
            _take_statement(inbox / "backlog.json", summary, accept_backlog, home)
        files = sorted(inbox.glob("*/batch-*.tsb"))
        ingestor = Ingestor(home)
        seen: set[tuple[str, int]] = set()
        for done, path in enumerate(files, start=1):
            _ingest_file(ingestor, path, summary, seen)
            if progress:
                progress(done, len(files))
        _write_answers(home, folder, seen)
        for path in sorted(inbox.glob("*/feed-request.json")):
            _answer_feed_request(home, folder, path, summary)
    except OSError as exc:
        raise HubError(f"cannot use folder {folder}: {exc.strerror or exc}") from exc
    return summary


def _take_statement(
    path: Path, summary: ImportSummary, accept: Callable[[HubHome, Any], None], home: HubHome
) -> bool:
    """Takes one signed statement from the stick; a bad one is reported, not fatal."""
    try:
        accept(home, json.loads(path.read_bytes()))
    except (ValueError, RecursionError, ProtocolError, HubError) as exc:
        summary.rejected += 1
        summary.reasons.append(f"{path.parent.name}/{path.name}: {exc}")
        return False
    return True


def _ingest_file(
    ingestor: Ingestor, path: Path, summary: ImportSummary, seen: set[tuple[str, int]]
) -> None:
    summary.files += 1
    blob = path.read_bytes()
    try:
        header = peek_batch(blob).header
        result = ingestor.ingest(blob, transport="usb")
    except (ProtocolError, HubError) as exc:
        summary.rejected += 1
        summary.reasons.append(f"{path.parent.name}/{path.name}: {exc}")
        return
    seen.add((header.node_id, header.batch_seq))
    decision = result.decision.value
    if decision == "apply":
        summary.applied += 1
    elif decision == "duplicate":
        summary.duplicate += 1
    else:
        summary.held += 1


def _answer_feed_request(home: HubHome, folder: Path, path: Path, summary: ImportSummary) -> None:
    """Writes the asking node's feed from the position it holds, page by page."""
    try:
        request = SignedDocument.from_dict(json.loads(path.read_bytes()))
        page, blob = answer_feed_request(home, request, transport="usb")
    except (ValueError, RecursionError, ProtocolError, HubError) as exc:
        summary.rejected += 1
        summary.reasons.append(f"{path.parent.name}/{path.name}: {exc}")
        return
    outbox = folder / ROOT / f"from-{home.config.hub_id}" / page.node_id
    while True:
        _write(outbox / f"feed-{page.after:012d}.tsf", blob)
        summary.feed_pages += 1
        if not page.more:
            return
        page, blob = feed_page_for(home, page.node_id, after=page.next)


def _write_answers(home: HubHome, folder: Path, seen: set[tuple[str, int]]) -> None:
    """Receipts for every batch now applied, each node's cursor, and the catalogs."""
    outbox = folder / ROOT / f"from-{home.config.hub_id}"
    ingestor = Ingestor(home)
    with home.engine.connect() as conn:
        for node_id, batch_seq in sorted(seen):
            row = conn.execute(
                sa.select(batches.c.receipt).where(
                    batches.c.node_id == node_id, batches.c.batch_seq == batch_seq
                )
            ).first()
            if row is not None:
                _write(
                    outbox / node_id / f"receipt-{batch_seq:08d}.json", row.receipt.encode("utf-8")
                )
    for node_id in sorted({node for node, _ in seen}):
        _write_json(outbox / node_id / "cursor.json", ingestor.cursor(node_id).to_dict())
    _write_json(outbox / "catalog.json", catalog_bundle(home))


def export_forward(
    home: HubHome, folder: Path, *, progress: Progress | None = None
) -> dict[str, int]:
    """Writes, for the prefecture, every batch not yet acknowledged, sealed to its key,
    with the registrations of the nodes they come from (a county with no link uses this).

    Raises:
        NotLinked: this county has no prefecture.
        HubError: the folder cannot be written.
    """
    _, upstream = upstream_of(home)
    target = folder / ROOT / f"to-{upstream.hub_id}"
    written = events = 0
    try:
        pending = [
            (node_id, seq)
            for node_id in nodes_with_backlog(home)
            for seq in _unforwarded(home, node_id)
        ]
        for done, (node_id, seq) in enumerate(pending, start=1):
            batch = load_batch(home, node_id, seq)
            assert batch is not None, "listed from the batches table"
            _write(
                target / node_id / f"batch-{seq:08d}.tsb",
                seal_batch(
                    batch,
                    upstream.seal_key(),
                    forwarder=Forwarder(home.config.hub_id, home.signing),
                ),
            )
            written, events = written + 1, events + batch.header.event_count
            if progress:
                progress(done, len(pending))
        for node_id in sorted({node for node, _ in pending}):
            _write_json(
                target / "registrations" / f"{node_id}.json", _registration_of(home, node_id)
            )
        statement = sign_document("backlog", backlog_statement(home), home.signing)
        _write_json(target / "backlog.json", statement.to_dict())
    except OSError as exc:
        raise HubError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    return {"batches": written, "events": events, "nodes": len({n for n, _ in pending})}


def _unforwarded(home: HubHome, node_id: str) -> list[int]:
    with home.engine.connect() as conn:
        done = (
            conn.execute(
                sa.select(forward_state.c.forwarded_batch_seq).where(
                    forward_state.c.node_id == node_id
                )
            ).scalar()
            or 0
        )
        return list(
            conn.execute(
                sa.select(batches.c.batch_seq)
                .where(batches.c.node_id == node_id, batches.c.batch_seq > done)
                .order_by(batches.c.batch_seq)
            ).scalars()
        )


def _registration_of(home: HubHome, node_id: str) -> dict[str, Any]:
    with home.engine.connect() as conn:
        row = conn.execute(sa.select(nodes.c.registration).where(nodes.c.node_id == node_id)).one()
    return sign_registration(home, json.loads(row.registration)).to_dict()


def import_forward_receipts(home: HubHome, folder: Path) -> dict[str, int]:
    """Takes the prefecture's receipts (and catalogs) from a stick the prefecture wrote."""
    from .catalogs import store_upstream_catalog

    _, upstream = upstream_of(home)
    source = folder / ROOT / f"from-{upstream.hub_id}"
    taken = ignored = 0
    for path in sorted(source.glob("*/receipt-*.json")):
        try:
            receipt = Receipt.verify(
                SignedDocument.from_dict(json.loads(path.read_bytes())), upstream.verify_key()
            )
        except (ProtocolError, ValueError, OSError):
            ignored += 1
            continue
        if receipt.status == "applied" and load_batch(
            home, receipt.node_id, receipt.batch_seq, batch_hash=receipt.batch_hash
        ):
            save_forward_state(
                home,
                receipt.node_id,
                forwarded_batch_seq=receipt.batch_seq,
                registered_upstream=True,
                only_forward=True,
            )
            taken += 1
        else:
            ignored += 1
    catalog_file = source / "catalog.json"
    if catalog_file.exists():
        document = json.loads(catalog_file.read_bytes()).get("prefecture")
        if document:
            store_upstream_catalog(home, SignedDocument.from_dict(document), upstream)
    return {"receipts": taken, "ignored": ignored}
