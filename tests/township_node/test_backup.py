"""The node keeps rolling, checked backups of its database and writes one to a folder."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from township_node.backup import (
    BACKUP_FOLDER,
    file_sha256,
    list_backups,
    read_manifest,
    rotate_backups,
    take_rolling_backup,
    write_backup,
)
from township_node.errors import InvalidInput
from township_node.home import init_home, open_home

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _record(conn: sqlite3.Connection, n: int) -> None:
    """Appends `n` events in one transaction, as the case book does."""
    conn.execute("BEGIN IMMEDIATE")
    (last,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
    for seq in range(last + 1, last + n + 1):
        conn.execute(
            "INSERT INTO events (seq, event_id, case_id, type, occurred_at, clerk_id, body) "
            "VALUES (?, ?, 'case', 'accept', '2026-11-02T01:00:00.000Z', 'admin', x'7b7d')",
            (seq, str(uuid.uuid4())),
        )
    conn.execute("COMMIT")


@pytest.fixture
def home(tmp_path):
    with init_home(tmp_path / "node", center_code="513431100", name="新城镇") as node:
        yield node


def test_manifest_names_center_node_last_event_and_file_hash(home, tmp_path):
    _record(home.conn, 7)
    path, manifest = write_backup(home, tmp_path / "stick", now=T0)
    assert (manifest.center_code, manifest.node_id) == ("513431100", home.node_id)
    assert (manifest.last_event_seq, manifest.last_batch_seq) == (7, 0)
    assert file_sha256(path) == (manifest.sha256, manifest.size)
    assert read_manifest(path) == manifest
    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT count(*) FROM events").fetchone()[0] == 7


def test_rolling_backup_is_taken_only_when_newest_is_over_an_hour_old(home):
    assert take_rolling_backup(home, now=T0) is not None
    assert take_rolling_backup(home, now=T0 + timedelta(minutes=59)) is None
    assert take_rolling_backup(home, now=T0 + timedelta(minutes=61)) is not None
    assert len(list_backups(home.path / BACKUP_FOLDER)) == 2


def test_rotation_keeps_newest_few_and_newest_of_each_recent_day(home):
    folder = home.path / BACKUP_FOLDER
    taken = [T0 + timedelta(days=day, hours=hour) for day in range(10) for hour in (2, 9)]
    for moment in taken:
        write_backup(home, folder, now=moment)
    deleted = rotate_backups(folder, keep_recent=3, keep_days=7)
    kept = [datetime.fromisoformat(m.created_at) for _, m in list_backups(folder)]
    newest_per_day = {T0 + timedelta(days=day, hours=9) for day in range(3, 10)}
    three_newest = set(taken[-3:])
    assert set(kept) == newest_per_day | three_newest
    assert len(deleted) == len(taken) - len(kept)
    assert not [p for p in folder.iterdir() if p.name.endswith(".manifest.json")][len(kept) :]


def test_rolling_backups_rotate_as_they_are_taken(home):
    for hour in range(0, 24 * 9, 2):
        take_rolling_backup(home, now=T0 + timedelta(hours=hour), keep_recent=2, keep_days=3)
    kept = list_backups(home.path / BACKUP_FOLDER)
    # The 2 newest (both on the last day) and the newest of each of the 2 days before it.
    assert len(kept) == 4


def test_backup_is_a_consistent_snapshot_while_clerks_write(home, tmp_path):
    writer_home = open_home(home.path)  # the clerk's window: its own connection
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            _record(writer_home.conn, 10)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        copies = [
            write_backup(home, tmp_path / "stick", now=T0 + timedelta(seconds=i)) for i in range(8)
        ]
    finally:
        stop.set()
        thread.join()
        writer_home.close()
    counts = []
    for path, manifest in copies:
        with sqlite3.connect(path) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            seqs = [row[0] for row in copy.execute("SELECT seq FROM events ORDER BY seq")]
        # Whole transactions only, gapless, and the manifest describes this very copy.
        assert len(seqs) % 10 == 0
        assert seqs == list(range(1, len(seqs) + 1))
        assert manifest.last_event_seq == len(seqs)
        assert file_sha256(path)[0] == manifest.sha256
        counts.append(len(seqs))
    assert counts[-1] > 0


def test_backup_to_a_folder_that_cannot_be_made_is_refused_in_chinese(home, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the stick's folder should be")
    with pytest.raises(InvalidInput) as caught:
        write_backup(home, blocker / "backups")
    assert "cannot write a backup" in caught.value.message
    assert "无法写入备份" in caught.value.message_zh
    assert blocker.read_text().startswith("a file")


def test_copy_without_manifest_is_not_listed_as_a_backup(home):
    folder = home.path / BACKUP_FOLDER
    path, manifest = write_backup(home, folder, now=T0)
    path.with_name(path.name + ".manifest.json").unlink()
    assert list_backups(folder) == []
    with pytest.raises(InvalidInput, match="no manifest"):
        read_manifest(path)
    assert manifest.file == path.name
