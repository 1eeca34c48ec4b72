"""Provides the node's backups: consistent copies of its database, rolling and on demand.

A copy is taken with SQLite's online backup API in one step, which reads one snapshot of the
database while clerks go on writing (WAL readers do not block writers), then checked with
`PRAGMA integrity_check` and described by a small manifest (center, node, last event and
batch, SHA-256 of the file). The key file is never in a backup: a lost USB stick must not
give anyone the center's signing key; a restored PC gets a new key (restore.py).

Rolling backups live in `<home>/backups/`. One is taken after a sync round, and when the
clerk's window opens, whenever the newest is older than `ROLLING_EVERY` (one hour). Rotation
keeps the `KEEP_RECENT` newest, plus the newest of each of the last `KEEP_DAYS` days.
A backup holds every case of the center: each copy and manifest is 0600, in the home or on a
stick, and a folder made for them is 0700 (township_node/permissions.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync_protocol import format_timestamp, parse_timestamp

from . import __version__
from .errors import InvalidInput
from .home import NodeHome
from .permissions import FILE_MODE, make_private_dir, make_private_file

__all__ = [
    "BACKUP_FOLDER",
    "KEEP_DAYS",
    "KEEP_RECENT",
    "ROLLING_EVERY",
    "BackupManifest",
    "file_sha256",
    "list_backups",
    "newest_backup_at",
    "read_manifest",
    "rotate_backups",
    "take_rolling_backup",
    "write_backup",
]

ROLLING_EVERY = timedelta(hours=1)
KEEP_RECENT = 3
KEEP_DAYS = 7
BACKUP_FOLDER = "backups"
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """What a backup file holds, written next to it as `<file>.manifest.json`."""

    file: str
    sha256: str
    size: int
    center_code: str
    center_name: str
    node_id: str
    last_event_seq: int
    last_batch_seq: int
    acknowledged_batch_seq: int
    """The last batch the hub had confirmed when the copy was taken."""
    schema_version: int
    created_at: str
    software: str

    @property
    def path_name(self) -> str:
        return self.file + MANIFEST_SUFFIX


def write_backup(
    home: NodeHome, folder: Path, *, now: datetime | None = None, name: str = ""
) -> tuple[Path, BackupManifest]:
    """Writes a consistent, checked copy of the node database and its manifest to `folder`.

    The copy is written under a temporary name and renamed when complete, so a reader (or a
    USB stick pulled out) never sees half a backup under the final name.

    Raises:
        InvalidInput: `folder` cannot be created or written (a read-only or full stick).
    """
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
    name = name or f"node-{home.center_code}-{stamp}.db"
    try:
        make_private_dir(folder)
        target = folder / name
        partial = folder / (name + ".part")
        partial.unlink(missing_ok=True)
        contents = _copy_database(home.conn, make_private_file(partial))
        digest, size = file_sha256(partial)
        manifest = BackupManifest(
            file=name,
            sha256=digest,
            size=size,
            created_at=format_timestamp(now),
            software=f"township-node/{__version__}",
            **asdict(contents),
        )
        _fsync_and_rename(partial, target)
        _write_text_atomically(
            folder / manifest.path_name, json.dumps(asdict(manifest), ensure_ascii=False, indent=1)
        )
    except OSError as exc:
        raise InvalidInput(
            f"cannot write a backup to {folder}: {exc.strerror or exc}; check that the folder "
            "exists, is writable and has free space",
            message_zh="无法写入备份：请检查U盘或文件夹是否可写、空间是否足够",
            field="to",
        ) from exc
    return target, manifest


@dataclass(frozen=True, slots=True)
class _Contents:
    center_code: str
    center_name: str
    node_id: str
    last_event_seq: int
    last_batch_seq: int
    acknowledged_batch_seq: int
    schema_version: int


def _copy_database(conn: sqlite3.Connection, target: Path) -> _Contents:
    """Copies the database to `target`, checks the copy and describes it (the copy, not
    the source, which clerks may have written to since)."""
    destination = sqlite3.connect(target)
    try:
        # pages=-1 (the default): the whole database in one step, from one read snapshot.
        conn.backup(destination)
        # A backup must be one self-contained file, whatever the source's journal mode.
        destination.execute("PRAGMA journal_mode=DELETE")
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        settings = dict(destination.execute("SELECT key, value FROM settings"))
        contents = _Contents(
            center_code=settings.get("center_code", ""),
            center_name=settings.get("center_name", ""),
            node_id=settings.get("node_id", ""),
            last_event_seq=_scalar(destination, "SELECT coalesce(max(seq), 0) FROM events"),
            last_batch_seq=_scalar(destination, "SELECT coalesce(max(batch_seq), 0) FROM batches"),
            acknowledged_batch_seq=_scalar(
                destination,
                "SELECT coalesce(max(batch_seq), 0) FROM batches WHERE status = 'applied'",
            ),
            schema_version=_scalar(destination, "PRAGMA user_version"),
        )
    finally:
        destination.close()
    if result != "ok":
        target.unlink(missing_ok=True)
        raise OSError(f"the copy failed its integrity check: {result}")
    return contents


def _scalar(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def read_manifest(backup: Path) -> BackupManifest:
    """The manifest written next to `backup`.

    Raises:
        InvalidInput: it is missing or not a manifest.
    """
    path = backup.with_name(backup.name + MANIFEST_SUFFIX)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return BackupManifest(**document)
    except FileNotFoundError as exc:
        raise InvalidInput(
            f"no manifest next to the backup (expected {path.name}); copy the .db file "
            "together with its .manifest.json",
            message_zh="备份文件旁缺少清单文件（.manifest.json），请把两个文件一起复制",
            field="from",
        ) from exc
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"{path.name} is not a backup manifest ({exc})",
            message_zh="备份清单文件已损坏",
            field="from",
        ) from exc


def list_backups(folder: Path) -> list[tuple[Path, BackupManifest]]:
    """The complete backups in `folder` (each with a readable manifest), oldest first."""
    found = []
    for path in folder.glob("*.db") if folder.exists() else ():
        try:
            found.append((path, read_manifest(path)))
        except InvalidInput:
            continue  # a copy without its manifest is unfinished: not a backup
    return sorted(found, key=lambda pair: pair[1].created_at)


def newest_backup_at(home: NodeHome) -> datetime | None:
    """When the newest rolling backup was taken, or None when there is none."""
    backups = list_backups(home.path / BACKUP_FOLDER)
    return parse_timestamp(backups[-1][1].created_at) if backups else None


def take_rolling_backup(
    home: NodeHome,
    *,
    now: datetime | None = None,
    every: timedelta = ROLLING_EVERY,
    keep_recent: int = KEEP_RECENT,
    keep_days: int = KEEP_DAYS,
) -> Path | None:
    """Takes a rolling backup into `<home>/backups/` if the newest is older than `every`,
    then rotates; returns the new file, or None when none was due."""
    now = now or datetime.now(UTC)
    newest = newest_backup_at(home)
    if newest is not None and now - newest < every:
        return None
    path, _ = write_backup(home, home.path / BACKUP_FOLDER, now=now)
    rotate_backups(home.path / BACKUP_FOLDER, keep_recent=keep_recent, keep_days=keep_days)
    return path


def rotate_backups(
    folder: Path, *, keep_recent: int = KEEP_RECENT, keep_days: int = KEEP_DAYS
) -> list[Path]:
    """Deletes backups beyond the `keep_recent` newest and the newest of each of the last
    `keep_days` days (counted from the newest backup); returns what it deleted."""
    backups = list_backups(folder)
    if not backups:
        return []
    keep = {path for path, _ in backups[-keep_recent:]} if keep_recent > 0 else set()
    newest_day = parse_timestamp(backups[-1][1].created_at).date()
    newest_of_day: dict[object, Path] = {}
    for path, manifest in backups:  # oldest first: the last one seen of a day is its newest
        day = parse_timestamp(manifest.created_at).date()
        if (newest_day - day).days < keep_days:
            newest_of_day[day] = path
    keep |= set(newest_of_day.values())
    deleted = []
    for path, manifest in backups:
        if path not in keep:
            path.unlink(missing_ok=True)
            path.with_name(manifest.path_name).unlink(missing_ok=True)
            deleted.append(path)
    return deleted


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fsync_and_rename(partial: Path, target: Path) -> None:
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def _write_text_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
