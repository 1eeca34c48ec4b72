"""Provides the sealed copy of each outgoing batch, kept until the hub acknowledges it.

Sealing draws a fresh HPKE key each time, so the same batch sealed twice gives different
bytes. Keeping one sealed copy per batch (and per hub key) means a resumed upload continues
the very bytes the hub already holds part of, and a USB export carries exactly the bytes
HTTP would.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from sync_protocol import HubInfo, SignedBatch, seal_batch

from ..home import NodeHome
from ..permissions import make_private_dir

__all__ = ["forget_acknowledged", "forget_sealed", "sealed_blob", "write_atomically"]

_NAME = re.compile(r"batch-([0-9]{8})-[0-9a-f]{16}\.tsb")


def write_atomically(path: Path, data: bytes) -> None:
    """Writes a file whole or not at all: a crash or a pulled stick leaves no half file."""
    make_private_dir(path.parent)
    # A temporary name of its own: two rounds at once may write the same file (mkstemp: 0600).
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


def _folder(home: NodeHome) -> Path:
    return home.path / "outgoing"


def sealed_blob(home: NodeHome, batch: SignedBatch, hub: HubInfo) -> bytes:
    """The batch sealed to the hub's current key, the same bytes every time it is asked."""
    key = hub.seal_key()
    path = _folder(home) / f"batch-{batch.header.batch_seq:08d}-{key.key_id}.tsb"
    if path.exists():
        return path.read_bytes()
    blob = seal_batch(batch, key)
    write_atomically(path, blob)
    return blob


def forget_sealed(home: NodeHome, batch_seq: int) -> None:
    """Drops the sealed copies of one batch, so the next send seals it afresh."""
    for path in _folder(home).glob(f"batch-{batch_seq:08d}-*.tsb"):
        path.unlink(missing_ok=True)


def forget_acknowledged(home: NodeHome) -> int:
    """Deletes the sealed copies of batches the hub has applied; returns how many."""
    applied = {
        row[0]
        for row in home.conn.execute("SELECT batch_seq FROM batches WHERE status = 'applied'")
    }
    removed = 0
    for path in _folder(home).glob("batch-*.tsb") if _folder(home).exists() else ():
        match = _NAME.fullmatch(path.name)
        if match and int(match[1]) in applied:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
