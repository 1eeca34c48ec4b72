"""Provides resumable uploads: a batch sent in pieces survives a link that keeps dropping.

A node PUTs a sealed batch in pieces to /v1/uploads/<id>, the id being the SHA-256 of the
whole frame, each piece saying its byte range. The hub appends a piece only where its file
ends, and answers with the offset it holds, so a dropped connection costs only the piece
in flight. Once the pieces reach the frame's length, the frame goes through the same ingest
as /v1/batches; a repeated final piece ingests it again, which answers with the same
receipt. As soon as the frame's clear header and signature have arrived they are checked,
so a stranger cannot fill the disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from sync_protocol import MalformedInput, ProtocolError, peek_batch

from ..home import FILE_MODE, FOLDER_MODE, HubHome
from .ingestor import Ingestor, IngestResult

__all__ = ["UPLOAD_ID", "UploadProgress", "Uploads"]

UPLOAD_ID = re.compile(r"[0-9a-f]{64}")
MAX_UPLOAD_BYTES = 33 * 1024 * 1024
MAX_OPEN_UPLOADS = 2000
UPLOAD_LIFETIME_S = 7 * 24 * 3600
_CHECK_AFTER = 4096 + 7 + 64  # a clear header and its signature lie within this prefix


@dataclass(frozen=True, slots=True)
class UploadProgress:
    offset: int
    result: IngestResult | None = None


class Uploads:
    """Partial uploads kept as files under the hub home's `uploads/`."""

    def __init__(self, home: HubHome, ingestor: Ingestor) -> None:
        self._dir = home.path / "uploads"
        self._dir.mkdir(mode=FOLDER_MODE, exist_ok=True)
        self._ingestor = ingestor
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def offset(self, upload_id: str) -> int:
        _check_id(upload_id)
        path = self._path(upload_id)
        return path.stat().st_size if path.exists() else 0

    def put(self, upload_id: str, start: int, total: int, piece: bytes) -> UploadProgress:
        """Appends `piece` at `start` of a `total`-byte frame; ingests once complete.

        Raises:
            MalformedInput: a bad id or range (nothing stored), or a complete frame that does
                not hash to its id (the partial file is dropped).
            UnknownNode, RevokedNode, BadSignature: the frame's prefix names a sender this
                hub does not accept (the partial file is dropped).
            RemoteProtocolError, HubError: from ingest, when the frame is complete.
        """
        _check_id(upload_id)
        if not 0 < total <= MAX_UPLOAD_BYTES or start < 0 or start + len(piece) > total:
            raise MalformedInput(f"bad upload range {start}+{len(piece)} of {total}")
        # The file lock: workers of one hub (`serve --workers N`) share `uploads/`.
        with self._lock_of(upload_id), FileLock(self._dir.parent / "uploads.lock", mode=FILE_MODE):
            path = self._path(upload_id)
            held = path.stat().st_size if path.exists() else 0
            if start == held and piece:
                self._make_room(path)
                _append(path, piece)
                held += len(piece)
            if held >= _CHECK_AFTER or held == total:
                self._check_prefix(path, upload_id, held == total)
            if held < total:
                return UploadProgress(held)
            return UploadProgress(held, self._complete(path, upload_id))

    def _complete(self, path: Path, upload_id: str) -> IngestResult:
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != upload_id:
            path.unlink(missing_ok=True)
            raise MalformedInput("uploaded bytes do not hash to the upload id; send it again")
        return self._ingestor.ingest(blob)  # the file stays: a lost answer is asked again

    def _check_prefix(self, path: Path, upload_id: str, complete: bool) -> None:
        """Refuses early what ingest would refuse: not a frame, unknown node, bad signature."""
        with open(path, "rb") as handle:
            prefix = handle.read(_CHECK_AFTER)
        try:
            self._ingestor.check_sender(peek_batch(prefix if not complete else path.read_bytes()))
        except ProtocolError:
            path.unlink(missing_ok=True)
            raise

    def _make_room(self, path: Path) -> None:
        if path.exists():
            return
        now = time.time()
        files = sorted(self._dir.glob("*.part"), key=lambda p: p.stat().st_mtime)
        for old in files:
            if now - old.stat().st_mtime > UPLOAD_LIFETIME_S:
                old.unlink(missing_ok=True)
        files = [p for p in files if p.exists()]
        for old in files[: max(0, len(files) - MAX_OPEN_UPLOADS + 1)]:
            old.unlink(missing_ok=True)

    def _path(self, upload_id: str) -> Path:
        return self._dir / f"{upload_id}.part"

    def _lock_of(self, upload_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(upload_id, threading.Lock())


def _check_id(upload_id: str) -> None:
    if not UPLOAD_ID.fullmatch(upload_id):
        raise MalformedInput("upload id must be the SHA-256 (hex) of the whole frame")


def _append(path: Path, piece: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    with os.fdopen(fd, "ab") as handle:
        handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())
