"""Provides the hub's side of USB rounds: import batches, write receipts, forward by stick.

Layout (the same as township_node/sync/usb.py): batches addressed to a hub lie under
`township-sync/to-<hub id>/<node id>/batch-*.tsb`; a hub writes its signed receipts, each
node's cursor and its current catalogs under `township-sync/from-<hub id>/`. A county that
forwards by stick writes the node registrations it vouches for under
`to-<prefecture id>/registrations/`. Import is idempotent and order-free: it runs the very
same ingest as HTTP, so a batch imported twice gets the receipt it got the first time, and
one that skips ahead is held until the gap closes.

A stick is peer input like a request body, with the same bound: a `.tsb` file is read only up
to MAX_FRAME_SIZE, a `.json` one up to MAX_DOCUMENT_SIZE, neither through a link nor from
anything but a regular file, and answers are written only inside the stick (stick.py). Each
refused file is one line in `ImportSummary.reasons` (and the log); the import goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sync_protocol import (
    MAX_FRAME_SIZE,
    Forwarder,
    HubInfo,
    MalformedInput,
    ProtocolError,
    Receipt,
    SignedDocument,
    peek_batch,
    seal_batch,
    sign_document,
)

from ..enrollment import accept_forwarded_registration, sign_registration
from ..errors import HubError
from ..forwarding import (
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
from ..home import HubHome
from ..ingest import Ingestor
from ..store import batches, forward_state, nodes
from .stick import Stick, plain_name

__all__ = ["ImportSummary", "export_forward", "import_folder", "import_forward_receipts"]

ROOT = "township-sync"
Progress = Callable[[int, int], None]
log = logging.getLogger("central_hub.usb")


@dataclass
class ImportSummary:
    files: int = 0
    applied: int = 0
    duplicate: int = 0
    held: int = 0
    rejected: int = 0
    """Files refused (or folders: one addressed to another hub, one that cannot take answers)."""
    registrations: int = 0
    feed_pages: int = 0
    """Pages of the downward feed written for the nodes that asked (feed-request.json)."""
    reasons: list[str] = field(default_factory=list)
    """One line per refused file: which file and why."""

    def refuse(self, name: str, exc: Exception) -> None:
        self.rejected += 1
        self.reasons.append(f"{name}: {exc}")
        log.warning("usb file refused: %s: %s", name, exc)


def _name(path: Path) -> str:
    """How a reason names a file: its folder and its name."""
    return f"{path.parent.name}/{path.name}"


def _write_json(stick: Stick, path: Path, obj: Any) -> None:
    stick.write(path, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def import_folder(
    home: HubHome, folder: Path, *, progress: Progress | None = None
) -> ImportSummary:
    """Ingests every batch in `folder` addressed to this hub and writes receipts back.

    Raises:
        HubError: the folder cannot be read or written.
    """
    stick = Stick(folder)
    inbox = folder / ROOT / f"to-{home.config.hub_id}"
    summary = ImportSummary()
    try:
        _refuse_other_hubs(home, folder, summary)
        for path in sorted((inbox / "registrations").glob("*.json")):
            if _take_statement(stick, path, summary, accept_forwarded_registration, home):
                summary.registrations += 1
        if (inbox / "backlog.json").is_symlink() or (inbox / "backlog.json").exists():
            _take_statement(stick, inbox / "backlog.json", summary, accept_backlog, home)
        files = sorted(inbox.glob("*/batch-*.tsb"))
        ingestor = Ingestor(home)
        seen: set[tuple[str, int]] = set()
        for done, path in enumerate(files, start=1):
            _ingest_file(stick, ingestor, path, summary, seen)
            if progress:
                progress(done, len(files))
        _write_answers(home, stick, seen, summary)
        for path in sorted(inbox.glob("*/feed-request.json")):
            _answer_feed_request(home, stick, path, summary)
    except OSError as exc:
        raise HubError(f"cannot use folder {folder}: {exc.strerror or exc}") from exc
    return summary


def _refuse_other_hubs(home: HubHome, folder: Path, summary: ImportSummary) -> None:
    """Names each folder for another hub (another county's stick, say): left as it is."""
    ours = f"to-{home.config.hub_id}"
    for path in sorted((folder / ROOT).glob("to-*")):
        if path.name != ours:
            hub_id = path.name.removeprefix("to-")
            summary.refuse(
                f"{ROOT}/{path.name}",
                MalformedInput(
                    f"for hub {hub_id}, not this hub ({home.config.hub_id}); "
                    "left on the stick, not read"
                ),
            )


def _take_statement(
    stick: Stick,
    path: Path,
    summary: ImportSummary,
    accept: Callable[[HubHome, Any], None],
    home: HubHome,
) -> bool:
    """Takes one signed statement from the stick; a bad one is reported, not fatal."""
    try:
        accept(home, stick.read_json(path))
    except (ValueError, RecursionError, ProtocolError, HubError) as exc:
        summary.refuse(_name(path), exc)
        return False
    return True


def _ingest_file(
    stick: Stick,
    ingestor: Ingestor,
    path: Path,
    summary: ImportSummary,
    seen: set[tuple[str, int]],
) -> None:
    summary.files += 1
    try:
        blob = stick.read(path, limit=MAX_FRAME_SIZE)  # what POST /v1/batches reads at most
        header = peek_batch(blob).header
        result = ingestor.ingest(blob, transport="usb")
    except (ProtocolError, HubError) as exc:
        summary.refuse(_name(path), exc)
        return
    seen.add((header.node_id, header.batch_seq))
    decision = result.decision.value
    if decision == "apply":
        summary.applied += 1
    elif decision == "duplicate":
        summary.duplicate += 1
    else:
        summary.held += 1


def _answer_feed_request(home: HubHome, stick: Stick, path: Path, summary: ImportSummary) -> None:
    """Writes the asking node's feed from the position it holds, page by page."""
    try:
        request = SignedDocument.from_dict(stick.read_json(path))
        page, blob = answer_feed_request(home, request, transport="usb")
    except (ValueError, RecursionError, ProtocolError, HubError) as exc:
        summary.refuse(_name(path), exc)
        return
    try:
        outbox = _outbox(home, stick) / plain_name(page.node_id)
        while True:
            stick.write(outbox / f"feed-{page.after:012d}.tsf", blob)
            summary.feed_pages += 1
            if not page.more:
                return
            page, blob = feed_page_for(home, page.node_id, after=page.next)
    except MalformedInput as exc:  # a folder that links off the stick, a node id with `..`
        summary.refuse(f"feed for node {page.node_id!r}", exc)


def _outbox(home: HubHome, stick: Stick) -> Path:
    return stick.root / ROOT / f"from-{home.config.hub_id}"


def _write_answers(
    home: HubHome, stick: Stick, seen: set[tuple[str, int]], summary: ImportSummary
) -> None:
    """Receipts for every batch now applied, each node's cursor, and the catalogs."""
    outbox = _outbox(home, stick)
    try:
        stick.check_folder(outbox)
    except MalformedInput as exc:
        summary.refuse(f"{ROOT}/{outbox.name}", MalformedInput(f"{exc}; no answers written"))
        return
    for node_id in sorted({node for node, _ in seen}):
        try:
            _write_node_answers(home, stick, outbox / plain_name(node_id), node_id, seen)
        except MalformedInput as exc:
            summary.refuse(f"answers for node {node_id!r}", exc)
    _write_json(stick, outbox / "catalog.json", catalog_bundle(home))


def _write_node_answers(
    home: HubHome, stick: Stick, folder: Path, node_id: str, seen: set[tuple[str, int]]
) -> None:
    with home.engine.connect() as conn:
        for seq in sorted(seq for node, seq in seen if node == node_id):
            row = conn.execute(
                sa.select(batches.c.receipt).where(
                    batches.c.node_id == node_id, batches.c.batch_seq == seq
                )
            ).first()
            if row is not None:
                stick.write(folder / f"receipt-{seq:08d}.json", row.receipt.encode("utf-8"))
    _write_json(stick, folder / "cursor.json", Ingestor(home).cursor(node_id).to_dict())


def export_forward(
    home: HubHome, folder: Path, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Writes, for the prefecture, every batch not yet acknowledged, sealed to its key,
    with the registrations of the nodes they come from (a county with no link uses this).

    Raises:
        NotLinked: this county has no prefecture.
        HubError: the folder cannot be written, or a folder on the way links off the stick.
    """
    _, upstream = upstream_of(home)
    stick = Stick(folder)
    target = folder / ROOT / f"to-{upstream.hub_id}"
    written = events = 0
    try:
        stick.check_folder(target)
        senders, refused = _nameable(nodes_with_backlog(home))
        pending = [(node_id, seq) for node_id in senders for seq in _unforwarded(home, node_id)]
        for done, (node_id, seq) in enumerate(pending, start=1):
            batch = load_batch(home, node_id, seq)
            assert batch is not None, "listed from the batches table"
            forwarder = Forwarder(home.config.hub_id, home.signing)  # countersigned, §5.9
            blob = seal_batch(batch, upstream.seal_key(), forwarder=forwarder)
            stick.write(target / node_id / f"batch-{seq:08d}.tsb", blob)
            written, events = written + 1, events + batch.header.event_count
            if progress:
                progress(done, len(pending))
        for node_id in sorted({node for node, _ in pending}):
            registration = _registration_of(home, node_id)
            _write_json(stick, target / "registrations" / f"{node_id}.json", registration)
        statement = sign_document("backlog", backlog_statement(home), home.signing)
        _write_json(stick, target / "backlog.json", statement.to_dict())
    except MalformedInput as exc:
        raise HubError(f"cannot write to {folder}: {exc}; nothing more was written") from exc
    except OSError as exc:
        raise HubError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    nodes_written = len({n for n, _ in pending})
    return {"batches": written, "events": events, "nodes": nodes_written, "refused": refused}


def _nameable(node_ids: list[str]) -> tuple[list[str], list[str]]:
    """The nodes whose id can name a folder on a stick, and a reason for each other one."""
    kept, refused = [], []
    for node_id in node_ids:
        try:
            kept.append(plain_name(node_id))
        except MalformedInput as exc:
            refused.append(f"node {node_id!r}: {exc}; its batches go upward only by link")
            log.warning("usb export skips node %r: %s", node_id, exc)
    return kept, refused


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


def import_forward_receipts(home: HubHome, folder: Path) -> dict[str, Any]:
    """Takes the prefecture's receipts (and catalogs) from a stick the prefecture wrote.

    Returns:
        How many receipts were taken and ignored, and a reason for each refused file.
    """
    _, upstream = upstream_of(home)
    stick = Stick(folder)
    source = folder / ROOT / f"from-{upstream.hub_id}"
    taken = ignored = 0
    reasons: list[str] = []
    for path in sorted(source.glob("*/receipt-*.json")):
        try:
            document = SignedDocument.from_dict(stick.read_json(path))
            receipt = Receipt.verify(document, upstream.verify_key())
        except (ProtocolError, HubError, ValueError) as exc:
            ignored += 1
            reasons.append(f"{_name(path)}: {exc}")
            log.warning("usb file refused: %s: %s", _name(path), exc)
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
    if catalog_file.is_symlink() or catalog_file.exists():
        try:
            _take_upstream_catalog(home, stick, catalog_file, upstream)
        except (ProtocolError, HubError, ValueError) as exc:
            ignored += 1
            reasons.append(f"{_name(catalog_file)}: {exc}")
            log.warning("usb file refused: %s: %s", _name(catalog_file), exc)
    return {"receipts": taken, "ignored": ignored, "reasons": reasons}


def _take_upstream_catalog(home: HubHome, stick: Stick, path: Path, upstream: HubInfo) -> None:
    from ..catalogs import store_upstream_catalog

    bundle = stick.read_json(path)
    if not isinstance(bundle, dict):
        raise MalformedInput("catalog bundle must be a JSON object")
    document = bundle.get("prefecture")
    if document:
        store_upstream_catalog(home, SignedDocument.from_dict(document), upstream)
