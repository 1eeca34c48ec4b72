"""Provides the tables about nodes: what the hub holds of each, and what it refused or set aside.

These are what the hub's own store says today; reconcile.py adds the per-node reconciliation
(gaps against the head the node announced, clock skew, oldest unsent) when it lands.
"""

from __future__ import annotations

from ..tables import Column, Table
from .context import ViewContext, center_name
from .queries import node_rows, quarantine_rows, rejected_rows

__all__ = ["nodes_table", "quarantine_table", "rejected_table"]

_KINDS = {"node": "服务中心终端", "hub": "县级中心"}


def _unit(ctx: ViewContext) -> dict[str, str]:
    return {"within": ctx.optional("county"), "center": ctx.optional("center")}


def nodes_table(ctx: ViewContext) -> Table:
    rows = node_rows(ctx.engine, ctx.scope, **_unit(ctx))
    for row in rows:
        row["center_name"] = center_name(row["center_code"])
        row["kind"] = _KINDS.get(row["kind"], row["kind"])
        row["state"] = f"已吊销 {row['revoked_at'][:10]}" if row["revoked_at"] else "正常"
    return Table(
        "nodes",
        "终端与同步情况",
        "Nodes and what the hub holds of them",
        (
            Column("center_name", "服务中心", "center"),
            Column("node_id", "终端编号", "node"),
            Column("name", "终端名称", "name"),
            Column("kind", "类型", "kind"),
            Column("state", "状态", "state"),
            Column("enrolled_at", "注册时间", "enrolled at", "datetime"),
            Column("batches", "已收批次", "batches received", "int"),
            Column("last_event_seq", "最后事件序号", "last event seq", "int"),
            Column("held", "待补批次", "held batches", "int"),
            Column("rejected", "拒收批次", "rejected batches", "int"),
            Column("quarantined", "隔离事件", "quarantined events", "int"),
            Column("last_contact_at", "最近同步", "last contact", "datetime"),
        ),
        rows,
        links={"center_name": "center_code"},
    )


def quarantine_table(ctx: ViewContext) -> Table:
    rows = quarantine_rows(ctx.engine, ctx.scope, within=ctx.optional("county"))
    for row in rows:
        row["center_name"] = center_name(row["center_code"] or "")
    return Table(
        "quarantine",
        "隔离事件（违反办件规则，未计入）",
        "Quarantined events",
        (
            Column("center_name", "服务中心", "center"),
            Column("node_id", "终端编号", "node"),
            Column("seq", "事件序号", "seq", "int"),
            Column("type", "环节", "action"),
            Column("reason_code", "原因代码", "reason code"),
            Column("message", "说明", "message"),
            Column("quarantined_at", "隔离时间", "quarantined at", "datetime"),
            Column("case_id", "办件", "case"),
        ),
        rows,
        links={"center_name": "center_code", "case_id": "case_id"},
    )


def rejected_table(ctx: ViewContext) -> Table:
    rows = rejected_rows(ctx.engine, ctx.scope, within=ctx.optional("county"))
    for row in rows:
        row["center_name"] = center_name(row["center_code"]) if row["center_code"] else "未注册"
    return Table(
        "rejected",
        "拒收批次",
        "Rejected batches",
        (
            Column("center_name", "服务中心", "center"),
            Column("node_id", "终端编号", "node"),
            Column("batch_seq", "批次序号", "batch seq", "int"),
            Column("reason_code", "原因代码", "reason code"),
            Column("message", "说明", "message"),
            Column("received_at", "收到时间", "received at", "datetime"),
        ),
        rows,
        links={"center_name": "center_code"},
    )
