"""Provides the node's SQLite database: opening, pragmas, migrations, transactions.

Upgrades never strand data: pending migrations run together in one transaction after a copy
of the file is taken, and a file written by newer software is refused, never downgraded.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from ..errors import MigrationFailed, SchemaTooNew
from ..permissions import make_private_dir, make_private_file
from .migrations import MIGRATIONS

__all__ = ["BACKUP_FOLDER", "NodeDatabase", "open_database", "pre_migration_backups"]

BACKUP_FOLDER = "backups"
"""Shared with the rolling backups (township_node/backup.py); ours are named pre-migration-*."""


class NodeDatabase:
    """The node's database. All writes go through `transaction()`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.db = sqlite_utils.Database(conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of it is written, or none of it."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            # SQLite rolls back by itself on some errors (a full disk): a second ROLLBACK
            # would then fail and hide the error the clerk must see.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def open_database(path: Path, *, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> NodeDatabase:
    """Opens (creating if needed) the node database and brings its schema up to date.

    Before pending migrations run on a database that holds data, a copy of it is written to
    `<folder>/backups/pre-migration-v<old>-<timestamp>.db`; then every pending migration runs
    in one transaction, so a failure leaves the file exactly at its old version.

    Args:
        migrations: the schema steps this software knows (tests pass a prefix to make the
            database an older release would have left).

    Raises:
        SchemaTooNew: the file was written by newer software; we never downgrade it.
        MigrationFailed: a migration failed; the database is unchanged.
    """
    # Made 0600 before SQLite opens it: SQLite gives the -wal and -shm files the same mode.
    make_private_file(path)
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly
    # the block the code says it is (the module's own handling would commit before DDL).
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a clerk's recorded case must survive a power cut, not only a crash.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    # The window, its background rounds and a clerk's CLI may share the file: wait, not fail.
    conn.execute("PRAGMA busy_timeout=30000")
    database = NodeDatabase(conn)
    try:
        _migrate(database, path, migrations)
    except BaseException:
        conn.close()
        raise
    return database


def pre_migration_backups(path: Path) -> list[Path]:
    """The copies taken before migrations of the database at `path`, oldest first."""
    folder = path.parent / BACKUP_FOLDER
    return sorted(folder.glob("pre-migration-v*.db")) if folder.exists() else []


def _migrate(database: NodeDatabase, path: Path, migrations: Sequence[Sequence[str]]) -> None:
    latest = len(migrations)
    if database.schema_version > latest:
        raise _too_new(database.schema_version, latest)
    if database.schema_version == latest:
        return
    conn = database.conn
    # IMMEDIATE takes the write lock first: another process (the window beside a CLI) cannot
    # migrate or write between our copy and our migration. Re-read the version under it.
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = database.schema_version
        if current > latest:
            raise _too_new(current, latest)
        # A new, empty file has nothing to keep; another process may have migrated meanwhile.
        if 0 < current < latest:
            _backup(path, current)
        for version in range(current + 1, latest + 1):
            try:
                for statement in migrations[version - 1]:
                    conn.execute(statement)
            except sqlite3.Error as exc:
                raise MigrationFailed(
                    f"upgrading the node database from schema {current} to {latest} failed at "
                    f"step {version} ({exc}); the database is unchanged at schema {current}. "
                    "Run the previous version again, or send the backups folder to the county",
                    message_zh=(
                        "数据库升级失败，原有数据未改动。请继续使用旧版本软件，"
                        "并把 backups 文件夹交给县级管理员。"
                    ),
                ) from exc
        conn.execute(f"PRAGMA user_version={latest}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _backup(path: Path, version: int) -> Path:
    """Copies the database while our write transaction keeps everyone else from changing it.

    The copy reads through a second connection: SQLite refuses a backup step from the
    connection that holds the write lock (SQLITE_LOCKED, which Python retries forever), and
    under WAL a reader sees the last committed state, which is what we are about to migrate.
    """
    folder = path.parent / BACKUP_FOLDER
    make_private_dir(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"pre-migration-v{version}-{stamp}.db"
    partial = make_private_file(target.with_suffix(".partial"))
    source = sqlite3.connect(path)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    # Renamed only when whole: a file named .db in backups/ is always a complete copy.
    os.replace(partial, target)
    return target


def _too_new(current: int, latest: int) -> SchemaTooNew:
    return SchemaTooNew(
        f"database schema {current} is newer than this software ({latest}); "
        "install the newer version instead of downgrading",
        message_zh="数据库由更新版本的软件写入，请安装新版本，不能降级使用。",
    )
