"""Provides reporting coverage (报送情况): which centers' nodes reached this hub lately.

Proved from what arrived, never from what a center declares: a node's last arrival is when
the head of its applied batch chain (cursors.next_batch_seq - 1, signed by the node and
chained to its predecessors) or a later batch held for a gap reached this hub. The node's own
signed cut time (`created_at` in the batch header) says how old that news was when it came.

A center *reports* when one of its enrolled, unrevoked nodes had an arrival on or after the
China date `today - N`; it is *silent* otherwise, since its last arrival (or its enrollment,
when nothing ever came). A center enrolled within the last N days with nothing yet is
*waiting*; one with no enrolled node is *not enrolled*.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

import casework
from sync_protocol import format_timestamp, parse_timestamp

from ..store import batches, cursors, held_batches, nodes

__all__ = ["STATUS_LABELS", "CenterCoverage", "center_coverage", "china_midnight"]

STATUS_LABELS = {
    "reporting": "按时报送",
    "silent": "超期未报送",
    "waiting": "新接入待报送",
    "not_enrolled": "未接入",
}


@dataclass(frozen=True, slots=True)
class CenterCoverage:
    """One center's reporting, as proved by arrivals at this hub."""

    center_code: str
    county_code: str
    node_ids: tuple[str, ...]
    enrolled_at: str | None
    last_arrival_at: str | None
    last_cut_at: str | None
    """When the node cut (signed) the batch that arrived last, by its own clock."""
    head_batch_seq: int | None
    held_batches: int
    status: str
    silent_since: str | None
    days_silent: int | None


def china_midnight(day: date) -> str:
    """The UTC wire timestamp of 00:00 China time on a day."""
    local = datetime.combine(day, time(0), tzinfo=casework.CHINA_TZ)
    return format_timestamp(local.astimezone(UTC))


@dataclass(slots=True)
class _NodeNews:
    node_id: str
    center_code: str
    enrolled_at: str
    last_arrival_at: str | None
    last_cut_at: str | None
    head_batch_seq: int | None
    held: int


def center_coverage(
    conn: sa.Connection,
    *,
    scope_county: str | None,
    today: date,
    silent_days: int,
    expected: Iterable[str] = (),
) -> list[CenterCoverage]:
    """Every center in scope (those expected, and those with a node), silent ones first."""
    news = _node_news(conn, scope_county)
    by_center: dict[str, list[_NodeNews]] = {code: [] for code in expected}
    for item in news:
        by_center.setdefault(item.center_code, []).append(item)
    cutoff = china_midnight(today - timedelta(days=silent_days))
    found = [_judge(code, items, cutoff, today) for code, items in by_center.items()]
    order = {"silent": 0, "not_enrolled": 1, "waiting": 2, "reporting": 3}
    return sorted(
        found,
        key=lambda c: (order[c.status], -(c.days_silent or 0), c.center_code),
    )


def _judge(code: str, items: list[_NodeNews], cutoff: str, today: date) -> CenterCoverage:
    if not items:
        return CenterCoverage(
            code, code[:6], (), None, None, None, None, 0, "not_enrolled", None, None
        )
    arrived = [i for i in items if i.last_arrival_at]
    last = max(arrived, key=lambda i: i.last_arrival_at or "") if arrived else None
    enrolled_at = max(i.enrolled_at for i in items)
    since = last.last_arrival_at if last else None
    if since is not None and since >= cutoff:
        status = "reporting"
    elif since is None and enrolled_at >= cutoff:
        status = "waiting"
    else:
        status = "silent"
    silent_since = (since or enrolled_at) if status == "silent" else None
    days = (
        (today - casework.local_date(parse_timestamp(silent_since))).days if silent_since else None
    )
    return CenterCoverage(
        code,
        code[:6],
        tuple(sorted(i.node_id for i in items)),
        enrolled_at,
        since,
        last.last_cut_at if last else None,
        last.head_batch_seq if last else None,
        sum(i.held for i in items),
        status,
        silent_since,
        days,
    )


def _node_news(conn: sa.Connection, scope_county: str | None) -> list[_NodeNews]:
    head = batches.alias("head")
    query = (
        sa.select(
            nodes.c.node_id,
            nodes.c.center_code,
            nodes.c.enrolled_at,
            head.c.batch_seq,
            head.c.received_at,
            head.c.header,
        )
        .select_from(nodes)
        .join(cursors, cursors.c.node_id == nodes.c.node_id, isouter=True)
        .join(
            head,
            sa.and_(
                head.c.node_id == nodes.c.node_id,
                head.c.batch_seq == cursors.c.next_batch_seq - 1,
            ),
            isouter=True,
        )
        .where(nodes.c.kind == "node", nodes.c.revoked_at.is_(None))
    )
    if scope_county is not None:
        query = query.where(sa.func.substr(nodes.c.center_code, 1, 6) == scope_county)
    held = _held(conn)
    found = []
    for row in conn.execute(query):
        held_count, held_last = held.get(row.node_id, (0, None))
        arrival = max(filter(None, (row.received_at, held_last)), default=None)
        # Verified when it arrived; read, not checked again, here.
        cut = json.loads(row.header)["created_at"] if row.header else None
        found.append(
            _NodeNews(
                row.node_id,
                row.center_code,
                row.enrolled_at,
                arrival,
                cut,
                row.batch_seq,
                held_count,
            )
        )
    return found


def _held(conn: sa.Connection) -> Mapping[str, tuple[int, str | None]]:
    query = sa.select(
        held_batches.c.node_id, sa.func.count(), sa.func.max(held_batches.c.received_at)
    ).group_by(held_batches.c.node_id)
    return {node_id: (int(count), last) for node_id, count, last in conn.execute(query)}
