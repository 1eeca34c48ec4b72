"""Provides reconciliation: per node, whether everything it recorded arrived, and what to do.

The county admin (and the prefecture, for every county) sees for each node: when it was last
heard from and how (HTTP or a USB stick), what it received against the head the node itself
announced, gaps (batches held behind a missing one), duplicates, rejected batches and
quarantined events with their reasons, clock skew and how long its oldest unsent event has
waited. The actions on a node (resend, accept a gap, revoke) are in actions.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import (
    FeedRequest,
    format_timestamp,
    parse_timestamp,
)

from ..errors import HubError
from ..home import HubHome
from ..ingest import equivocations, node_contacts
from ..store import (
    batches,
    cursors,
    forward_state,
    held_batches,
    metadata,
    nodes,
    quarantine,
    rejected_batches,
    upsert,
)
from ..tables import Column, Table

__all__ = [
    "node_detail_tables",
    "node_of",
    "reconcile_table",
    "record_report",
]

# What each node last said of itself (its feed request): the head it announced, what waits.
node_reports = sa.Table(
    "node_reports",
    metadata,
    sa.Column("node_id", sa.String, primary_key=True),
    sa.Column("head_seq", sa.Integer, nullable=False),
    sa.Column("unsent_events", sa.Integer, nullable=False),
    sa.Column("oldest_unsent_at", sa.String, nullable=False),
    sa.Column("node_clock", sa.String, nullable=False),
    sa.Column("received_at", sa.String, nullable=False),
    sa.Column("transport", sa.String, nullable=False),
)


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def record_report(home: HubHome, request: FeedRequest, *, transport: str) -> None:
    """Keeps what a node said of itself in its (verified) feed request."""
    with home.engine.begin() as conn:
        upsert(
            conn,
            node_reports,
            {"node_id": request.node_id},
            {
                "head_seq": request.head_seq,
                "unsent_events": request.unsent_events,
                "oldest_unsent_at": request.oldest_unsent_at,
                "node_clock": request.issued_at,
                "received_at": _now(),
                "transport": transport,
            },
        )


def node_of(conn: sa.Connection, node_id: str, county: str | None) -> sa.Row:
    row = conn.execute(sa.select(nodes).where(nodes.c.node_id == node_id)).first()
    if row is None or (county and not row.center_code.startswith(county)):
        raise HubError(
            f"no node {node_id} here" + (f" in county {county}" if county else ""),
            message_zh=f"没有终端 {node_id}" + (f"（在 {county} 县）" if county else ""),
        )
    return row


_NODE_COLUMNS = (
    Column("center_code", "中心代码", "Center"),
    Column("center_name", "中心名称", "Name"),
    Column("node_id", "节点", "Node"),
    Column("state", "状态", "State"),
    Column("last_contact_at", "最近联系", "Last contact", "datetime"),
    Column("transport", "方式", "Transport"),
    Column("batches_received", "已收批次", "Batches", "int"),
    Column("events_received", "已收事件", "Events", "int"),
    Column("head_announced", "节点报告事件数", "Node head", "int"),
    Column("missing_events", "未到事件", "Missing", "int"),
    Column("held_batches", "暂存批次", "Held", "int"),
    Column("gap", "缺口", "Gap"),
    Column("duplicates", "重复批次", "Duplicates", "int"),
    Column("rejected", "拒收批次", "Rejected", "int"),
    Column("equivocations", "一批两版", "Equivocations", "int"),
    Column("forward_refused", "上报州级被拒", "Refused upstream"),
    Column("quarantined", "隔离事件", "Quarantined", "int"),
    Column("clock_skew_s", "时钟偏差(秒)", "Clock skew (s)", "int"),
    Column("oldest_unsent_hours", "最久未发(小时)", "Oldest unsent (h)", "int"),
)


def reconcile_table(home: HubHome, *, county: str | None = None, silent_days: int = 7) -> Table:
    """One row per node of this hub (of one county when `county` is given), worst first."""
    now = datetime.now(UTC)
    with home.engine.connect() as conn:
        rows = [_node_row(conn, node, now, silent_days) for node in _nodes(conn, county)]
    rank = {
        "一批两版": -1,
        "已吊销": 0,
        "缺口": 1,
        "上报被拒": 2,
        "有拒收": 2,
        "失联": 3,
        "未同步完": 4,
        "待首次同步": 5,
        "正常": 6,
    }
    rows.sort(key=lambda r: (rank.get(r["state"], 9), r["center_code"], r["node_id"]))
    return Table(
        name="reconcile_nodes",
        title_zh="节点对账",
        title_en="Reconciliation by node",
        columns=_NODE_COLUMNS,
        rows=rows,
        links={"center_name": "center_code", "node_id": "node_id"},
    )


def _nodes(conn: sa.Connection, county: str | None) -> list[sa.Row]:
    query = sa.select(nodes).where(nodes.c.kind == "node").order_by(nodes.c.center_code)
    if county:
        query = query.where(nodes.c.center_code.startswith(county))
    return list(conn.execute(query))


def _count(conn: sa.Connection, table: sa.Table, node_id: str) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(table.c.node_id == node_id)
    return int(conn.execute(query).scalar_one())


def _node_row(conn: sa.Connection, node: sa.Row, now: datetime, silent_days: int) -> dict:
    import casework

    node_id = node.node_id
    cursor = conn.execute(sa.select(cursors).where(cursors.c.node_id == node_id)).first()
    report = conn.execute(sa.select(node_reports).where(node_reports.c.node_id == node_id)).first()
    contact = conn.execute(
        sa.select(node_contacts).where(node_contacts.c.node_id == node_id)
    ).first()
    held = [
        seq
        for (seq,) in conn.execute(
            sa.select(held_batches.c.batch_seq)
            .where(held_batches.c.node_id == node_id)
            .order_by(held_batches.c.batch_seq)
        )
    ]
    next_seq = cursor.next_batch_seq if cursor else 1
    received = cursor.last_event_seq if cursor else 0
    head = report.head_seq if report else None
    last_http = contact.last_http_at if contact else None
    last_usb = contact.last_usb_at if contact else None
    last = max(
        filter(None, (last_http, last_usb, report.received_at if report else None)), default=None
    )
    transport = "U盘" if last and last == last_usb else "网络" if last else ""
    try:
        name = casework.org(node.center_code).name
    except casework.CaseworkError:
        name = node.name
    row = {
        "center_code": node.center_code,
        "center_name": name,
        "node_id": node_id,
        "last_contact_at": last,
        "transport": transport,
        "batches_received": next_seq - 1,
        "events_received": received,
        "head_announced": head,
        "missing_events": max(0, head - received) if head is not None else None,
        "held_batches": len(held),
        "gap": f"{next_seq}..{held[0] - 1}" if held else "",
        "duplicates": contact.duplicates if contact else 0,
        "rejected": _count(conn, rejected_batches, node_id),
        "equivocations": _count(conn, equivocations, node_id),
        "forward_refused": conn.execute(
            sa.select(forward_state.c.last_error).where(forward_state.c.node_id == node_id)
        ).scalar()
        or "",
        "quarantined": _count(conn, quarantine, node_id),
        "clock_skew_s": _skew(report),
        "oldest_unsent_hours": _age_hours(report.oldest_unsent_at, now) if report else None,
    }
    row["state"] = _state(node, row, last, now, silent_days)
    return row


def _skew(report: sa.Row | None) -> int | None:
    if report is None or report.transport != "http":
        return None  # a USB file's time says when it was written, not the node's clock now
    return round(
        (parse_timestamp(report.node_clock) - parse_timestamp(report.received_at)).total_seconds()
    )


def _age_hours(at: str, now: datetime) -> int | None:
    return round((now - parse_timestamp(at)).total_seconds() / 3600) if at else None


def _state(node: sa.Row, row: dict, last: str | None, now: datetime, silent_days: int) -> str:
    if row["equivocations"]:  # above all: the node signed two versions of one batch
        return "一批两版"
    if node.revoked_at:
        return "已吊销"
    if row["held_batches"]:
        return "缺口"
    if row["forward_refused"]:
        return "上报被拒"
    if row["rejected"]:
        return "有拒收"
    # Silent since its last contact, or since it enrolled if it was never heard from.
    since = last or node.enrolled_at
    if (now - parse_timestamp(since)).days >= silent_days:
        return "失联"
    if last is None:
        return "待首次同步"
    if row["missing_events"]:
        return "未同步完"
    return "正常"


_BATCH_SEQ = Column("batch_seq", "批次", "Batch", "int")
_RECEIVED_AT = Column("received_at", "收到时间", "Received", "datetime")
_REASON = (Column("reason_code", "原因代码", "Code"), Column("message", "原因", "Reason"))
# (name, title_zh, title_en, table, columns (each a column of that table), row order)
_NODE_DETAILS = (
    (
        "node_rejected",
        "拒收批次",
        "Rejected batches",
        rejected_batches,
        (_BATCH_SEQ, *_REASON, _RECEIVED_AT),
        rejected_batches.c.id,
    ),
    (
        "node_equivocations",
        "一批两版（本机对同一批次签出两个不同版本；以县级中心的版本为准）",
        "Equivocations",
        equivocations,
        (
            _BATCH_SEQ,
            Column("kept_hash", "采用的版本", "Kept"),
            Column("other_hash", "拒收的版本", "Refused"),
            Column("found_by", "发现方式", "Found by"),
            Column("detected_at", "发现时间", "Detected", "datetime"),
        ),
        equivocations.c.batch_seq,
    ),
    (
        "node_quarantined",
        "隔离事件",
        "Quarantined events",
        quarantine,
        (
            Column("seq", "事件序号", "Seq", "int"),
            Column("type", "操作", "Action"),
            *_REASON,
            Column("quarantined_at", "隔离时间", "At", "datetime"),
        ),
        quarantine.c.seq,
    ),
    (
        "node_held",
        "暂存批次（等待缺失的前序批次）",
        "Held batches",
        held_batches,
        (_BATCH_SEQ, _RECEIVED_AT),
        held_batches.c.batch_seq,
    ),
    (
        "node_batches",
        "最近收到的批次",
        "Latest batches",
        batches,
        (_BATCH_SEQ, Column("event_count", "事件数", "Events", "int"), _RECEIVED_AT),
        batches.c.batch_seq.desc(),
    ),
)
_LATEST_BATCHES_SHOWN = 20


def node_detail_tables(home: HubHome, node_id: str, *, county: str | None = None) -> list[Table]:
    """What the admin opens a node for: its rejected batches, quarantined events and held
    batches, each with the reason, and the latest batches it sent."""
    tables = []
    with home.engine.connect() as conn:
        node_of(conn, node_id, county)
        for name, title_zh, title_en, table, columns, order in _NODE_DETAILS:
            query = (
                sa.select(*(table.c[column.key] for column in columns))
                .where(table.c.node_id == node_id)
                .order_by(order)
            )
            if table is batches:
                query = query.limit(_LATEST_BATCHES_SHOWN)
            rows = [dict(row) for row in conn.execute(query).mappings()]
            tables.append(Table(name, title_zh, title_en, columns, rows))
    return tables
