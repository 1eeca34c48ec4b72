"""Provides the node's SQLite database: opening, pragmas, migrations, transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from ..errors import SchemaTooNew
from .migrations import MIGRATIONS

__all__ = ["NodeDatabase", "open_database"]


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
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def open_database(path: Path) -> NodeDatabase:
    """Opens (creating if needed) the node database and brings its schema up to date.

    Raises:
        SchemaTooNew: the file was written by newer software; we never downgrade it.
    """
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly
    # the block the code says it is.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a clerk's recorded case must survive a power cut, not only a crash.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    # The window, its background rounds and a clerk's CLI may share the file: wait, not fail.
    conn.execute("PRAGMA busy_timeout=30000")
    database = NodeDatabase(conn)
    _migrate(database)
    return database


def _migrate(database: NodeDatabase) -> None:
    current = database.schema_version
    if current > len(MIGRATIONS):
        raise SchemaTooNew(
            f"database schema {current} is newer than this software ({len(MIGRATIONS)}); "
            "install the newer version instead of downgrading",
            message_zh="数据库由更新版本的软件写入，请安装新版本，不能降级使用。",
        )
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with database.transaction() as conn:
            for statement in script:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
