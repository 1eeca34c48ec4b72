"""Provides alerts: what arrived from other centers that a clerk at this window must see.

A case handed to this center, a result back for the citizen to collect, two centers acting on
one case at once. Alerts are written in the transaction that brought the news and stay until
a clerk has seen them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from sync_protocol import format_timestamp

from .home import NodeHome

__all__ = ["ALERT_KINDS", "Alert", "mark_seen", "record_alert", "unseen_alerts"]

ALERT_KINDS = {
    "handed_here": "转来待办",
    "result_back": "结果已返回",
    "conflict": "操作冲突",
    "left_here": "已移出本中心",
}


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    case_no: str
    kind: str
    message_zh: str
    message: str
    created_at: str


def record_alert(
    conn: sqlite3.Connection, case_id: str, kind: str, message: str, message_zh: str
) -> None:
    """Adds an alert; call inside the transaction that brought the news."""
    conn.execute(
        "INSERT INTO alerts (case_id, kind, message_zh, message, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (case_id, kind, message_zh, message, format_timestamp(datetime.now(UTC))),
    )


def unseen_alerts(home: NodeHome, *, limit: int = 50) -> list[Alert]:
    """Alerts no clerk has marked seen, newest first."""
    rows = home.conn.execute(
        "SELECT a.id, coalesce(c.case_no, ''), a.kind, a.message_zh, a.message, a.created_at "
        "FROM alerts a LEFT JOIN cases c ON c.case_id = a.case_id "
        "WHERE a.seen_at IS NULL ORDER BY a.id DESC LIMIT ?",
        (limit,),
    )
    return [Alert(*row) for row in rows]


def mark_seen(home: NodeHome, alert_ids: list[int]) -> None:
    with home.database.transaction() as conn:
        conn.executemany(
            "UPDATE alerts SET seen_at = ? WHERE id = ? AND seen_at IS NULL",
            [(format_timestamp(datetime.now(UTC)), alert_id) for alert_id in alert_ids],
        )
