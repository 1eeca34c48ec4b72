"""Provides typed access to the node's settings table."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

__all__ = ["get_json_setting", "get_setting", "set_setting"]


def get_setting(conn: sqlite3.Connection, key: str, default: str = "") -> str:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else default


def get_json_setting(conn: sqlite3.Connection, key: str) -> Any:
    value = get_setting(conn, key)
    return json.loads(value) if value else None


def set_setting(conn: sqlite3.Connection, key: str, value: str | dict[str, Any]) -> None:
    """Sets a setting; call inside a transaction."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )
