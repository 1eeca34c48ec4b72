"""Provides restoring a dead PC's backup onto a new PC, which then continues the same center.

1. `restore_backup` checks the backup (manifest SHA-256, `PRAGMA integrity_check`, the center
   and node named in the manifest), installs it in a fresh home, gives the PC a new key and a
   new node id (the old key may be on the dead disk, and two machines must never sign as one
   node), and forgets the hub it was enrolled with: the PC must be enrolled again.
2. The county admin issues a code with `central-hub enroll-code --replaces OLD_NODE_ID`; the
   hub then starts the new node's cursor where the old node's ends and revokes the old node.
3. `township-node enroll` calls `continue_restored`: it fetches both signed cursors, and
   - forgets the old node's batches the hub does not hold (signed with the old key, which the
     new PC does not have) and marks the ones it holds as delivered;
   - re-issues the events the hub does not hold (seq above the old cursor) under the new node
     id, same event ids and sequence numbers, so the next sync delivers them exactly once;
   - continues the chain after the hub's last batch and, when the hub holds more than the
     backup (the dead PC synced after the backup), numbers new events after the hub's last.
Events the dead PC recorded after its last backup and never sent are gone; the hub's
reconciliation shows how far the old node got.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync_protocol import (
    Cursor,
    ProtocolError,
    decode_event,
    encode_event,
    format_timestamp,
)

from .backup import BackupManifest, file_sha256, read_manifest
from .enrollment import pinned_hub
from .errors import AlreadyInitialized, InvalidInput, SyncFailed
from .failures import as_sync_failure
from .home import DATABASE_FILE, KEY_FILE, NodeHome, open_home
from .permissions import make_private_dir, make_private_file
from .store import NodeKeys, get_json_setting, save_keys, set_setting
from .sync import forget_sealed

if TYPE_CHECKING:  # the client (httpx) loads only when a round runs
    from sync_protocol import HubClient

__all__ = [
    "ContinuedNode",
    "continue_restored",
    "is_restored",
    "restore_backup",
    "restore_summary",
]


def restore_backup(source: Path, home_path: Path) -> tuple[NodeHome, BackupManifest]:
    """Installs the backup `source` as a new node home at `home_path` (see module doc).

    Raises:
        AlreadyInitialized: a node home is already at `home_path` (never overwritten).
        InvalidInput: the backup is missing, damaged, or does not match its manifest.
    """
    if (home_path / DATABASE_FILE).exists() or (home_path / KEY_FILE).exists():
        raise AlreadyInitialized(
            f"a node home already exists at {home_path}; restore into an empty folder",
            message_zh="目标文件夹已有本机数据，请恢复到一个空文件夹",
        )
    if not source.is_file():
        raise InvalidInput(
            f"no backup file at {source}",
            message_zh="找不到备份文件",
            field="from",
        )
    manifest = read_manifest(source)
    digest, _ = file_sha256(source)
    if digest != manifest.sha256:
        raise InvalidInput(
            f"{source.name} does not match its manifest (sha256 {digest[:12]}…, manifest says "
            f"{manifest.sha256[:12]}…); the file is damaged: use another backup",
            message_zh="备份文件已损坏（校验值不符），请换用另一份备份",
            field="from",
        )
    make_private_dir(home_path)
    partial = make_private_file(home_path / (DATABASE_FILE + ".restoring"))
    partial.write_bytes(source.read_bytes())
    try:
        _check_copy(partial, manifest)
    except InvalidInput:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(home_path / DATABASE_FILE)
    save_keys(home_path / KEY_FILE, NodeKeys.generate())
    home = open_home(home_path)  # brings an older schema up to date
    new_node_id = f"{manifest.center_code}-{secrets.token_hex(4)}"
    with home.database.transaction() as conn:
        set_setting(conn, "node_id", new_node_id)
        set_setting(
            conn,
            "restored_from",
            {
                "node_id": manifest.node_id,
                "backup": manifest.file,
                "backup_created_at": manifest.created_at,
                "restored_at": format_timestamp(datetime.now(UTC)),
            },
        )
        # The enrollment belonged to the old key: this PC must enroll again.
        conn.execute("DELETE FROM settings WHERE key IN ('hub_info', 'revoked_at')")
    return home, manifest


def _check_copy(path: Path, manifest: BackupManifest) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        settings = dict(conn.execute("SELECT key, value FROM settings"))
    except sqlite3.DatabaseError as exc:
        result, settings = str(exc), {}
    finally:
        conn.close()
    if result != "ok":
        raise InvalidInput(
            f"the backup fails SQLite's integrity check ({result}); use another backup",
            message_zh="备份数据库完整性检查未通过，请换用另一份备份",
            field="from",
        )
    named = (settings.get("node_id"), settings.get("center_code"))
    if named != (manifest.node_id, manifest.center_code):
        raise InvalidInput(
            f"the backup holds node {named[0]} of center {named[1]}, but its manifest names "
            f"{manifest.node_id} of {manifest.center_code}; the files do not belong together",
            message_zh="备份文件与清单不一致，请确认两个文件来自同一次备份",
            field="from",
        )


def is_restored(home: NodeHome) -> bool:
    """Whether the home was restored from a backup and has not continued its center yet."""
    return bool(home.setting("restored_from"))


@dataclass(frozen=True, slots=True)
class ContinuedNode:
    replaces: str
    next_batch_seq: int
    next_event_seq: int
    unsent_events: int
    """Events of the backup the hub did not hold: the next sync delivers them."""
    events_only_at_hub: int
    """Events the dead PC sent after the backup: the hub holds them, this PC does not."""


def continue_restored(home: NodeHome, client: HubClient) -> ContinuedNode:
    """Continues the replaced node's log after enrollment (see module doc). Idempotent until
    it succeeds; afterwards the home is an ordinary enrolled node.

    Raises:
        SyncFailed: the hub cannot be reached (3), or it was not told this PC replaces the
            old node, or the backup does not continue what the hub holds (4).
    """
    restored = get_json_setting(home.conn, "restored_from")
    old_node_id = str(restored["node_id"])
    try:
        return _continue(home, client, old_node_id)
    except BaseException:
        # Until it continues the old node's log, the PC must not sync: forget the hub again
        # (enrolling again with the same or a new code repeats this step).
        with home.database.transaction() as conn:
            conn.execute("DELETE FROM settings WHERE key = 'hub_info'")
        raise


def _continue(home: NodeHome, client: HubClient, old_node_id: str) -> ContinuedNode:
    _, hub = pinned_hub(home)
    try:
        old = Cursor.verify(client.cursor(old_node_id), hub.verify_key())
        new = Cursor.verify(client.cursor(home.node_id), hub.verify_key())
    except ProtocolError as exc:
        raise as_sync_failure(exc) from exc
    if _position(old) != _position(new):
        raise SyncFailed(
            f"the hub does not treat node {home.node_id} as the replacement of {old_node_id}; "
            f"ask the county admin for a new code: central-hub enroll-code --center "
            f"{home.center_code} --replaces {old_node_id}",
            exit_code=4,
            message_zh=f"县级中心尚未登记本机替换旧节点 {old_node_id}，"
            "请联系县级管理员用 --replaces 重新发放注册码",
        )
    return _adopt(home, old_node_id, old)


def _position(cursor: Cursor) -> tuple[int, int, str]:
    return cursor.next_batch_seq, cursor.last_event_seq, cursor.last_batch_hash


def _adopt(home: NodeHome, old_node_id: str, cursor: Cursor) -> ContinuedNode:
    next_batch, hub_last_event = cursor.next_batch_seq, cursor.last_event_seq
    with home.database.transaction() as conn:
        _check_same_log(conn, cursor)
        dropped = [
            row[0]
            for row in conn.execute(
                "SELECT batch_seq FROM batches WHERE batch_seq >= ?", (next_batch,)
            )
        ]
        conn.execute("DELETE FROM batches WHERE batch_seq >= ?", (next_batch,))
        conn.execute(
            "UPDATE batches SET status = 'applied' WHERE batch_seq < ? AND status != 'applied'",
            (next_batch,),
        )
        unsent = _reissue_events(conn, hub_last_event, home.node_id)
        local_last = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        # Read by outbox.py (where the next batch continues the chain) and casebook.py (the
        # next event's seq): the hub may hold more than this backup does.
        set_setting(
            conn,
            "chain_base",
            {
                "batch_seq": next_batch - 1,
                "last_seq": hub_last_event,
                "batch_hash": cursor.last_batch_hash,
            },
        )
        set_setting(conn, "event_seq_floor", str(hub_last_event))
        set_setting(conn, "replaces", old_node_id)
        conn.execute("DELETE FROM settings WHERE key = 'restored_from'")
    for batch_seq in dropped:
        forget_sealed(home, batch_seq)
    return ContinuedNode(
        replaces=old_node_id,
        next_batch_seq=next_batch,
        next_event_seq=max(local_last, hub_last_event) + 1,
        unsent_events=unsent,
        events_only_at_hub=max(0, hub_last_event - local_last),
    )


def _check_same_log(conn: sqlite3.Connection, cursor: Cursor) -> None:
    """The backup's batch at the hub's last position, if it has one, must be the hub's."""
    row = conn.execute(
        "SELECT batch_hash FROM batches WHERE batch_seq = ?", (cursor.next_batch_seq - 1,)
    ).fetchone()
    if row is not None and row[0] != cursor.last_batch_hash:
        raise SyncFailed(
            f"the backup's batch {cursor.next_batch_seq - 1} differs from the one the hub "
            f"holds for node {cursor.node_id}: this backup is not of that node's log",
            exit_code=4,
            message_zh="备份与县级中心记录的旧节点数据不一致，请联系县级管理员核对",
        )


def _reissue_events(conn: sqlite3.Connection, after_seq: int, node_id: str) -> int:
    """Writes the events above `after_seq` again as the new node's (same id, seq, content)."""
    rows = conn.execute("SELECT seq, body FROM events WHERE seq > ?", (after_seq,)).fetchall()
    for seq, body in rows:
        event = decode_event(bytes(body))
        if event.node_id != node_id:
            conn.execute(
                "UPDATE events SET body = ? WHERE seq = ?",
                (encode_event(replace(event, node_id=node_id)), seq),
            )
    return len(rows)


def restore_summary(manifest: BackupManifest, home: NodeHome) -> dict[str, Any]:
    """What the restore command prints: what was installed and what to do next."""
    return {
        "home": str(home.path),
        "center": manifest.center_code,
        "old_node_id": manifest.node_id,
        "new_node_id": home.node_id,
        "backup_created_at": manifest.created_at,
        "last_event_seq": manifest.last_event_seq,
        "next": (
            f"ask the county admin for: central-hub enroll-code --center "
            f"{manifest.center_code} --replaces {manifest.node_id}; then run "
            "township-node enroll --hub URL --code CODE"
        ),
        "next_zh": f"请县级管理员为本中心发放替换旧节点 {manifest.node_id} 的注册码，然后重新注册",
    }
