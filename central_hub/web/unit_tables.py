"""Provides the tables of org units: counties ranked, a county's centers, categories, trend.

Counts are the seed report's: accepted, completed and completion rate, by unit and by category.
Reporting coverage here is the plain one (a center's node reached the hub within N days);
compliance.py will prove silence from the sequence chain (see integrations.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import casework
from sync_protocol import format_timestamp, parse_timestamp

from ..reports import CATEGORY_LABELS
from ..tables import Column, Table
from .context import ViewContext, center_name, county_codes_in_view
from .queries import Counts, counts_by_category, counts_by_unit, monthly_counts, node_rows

__all__ = [
    "SILENT_AFTER_DAYS",
    "categories_table",
    "centers_table",
    "counties_table",
    "trend_table",
]

SILENT_AFTER_DAYS = 7
"""A center whose nodes have not reached the hub for this many days is counted silent."""

_COUNTS = (
    Column("accepted", "受理", "accepted", "int"),
    Column("completed", "办结", "completed", "int"),
    Column("completion_rate", "办结率", "completion rate", "pct"),
)


def _counted(counts: Counts) -> dict[str, Any]:
    return {
        "accepted": counts.accepted,
        "completed": counts.completed,
        "completion_rate": counts.completion_rate,
    }


def _contacts(ctx: ViewContext, *, within: str = "") -> dict[str, dict[str, Any]]:
    """Per center code: enrolled nodes (not revoked) and the latest contact of any of them."""
    found: dict[str, dict[str, Any]] = {}
    for node in node_rows(ctx.engine, ctx.scope, within=within):
        if node["revoked_at"] or node["kind"] != "node":
            continue
        entry = found.setdefault(node["center_code"], {"nodes": 0, "last_contact": None})
        entry["nodes"] += 1
        contact = node["last_contact_at"]
        if contact and (entry["last_contact"] is None or contact > entry["last_contact"]):
            entry["last_contact"] = contact
    return found


def _silence_line(ctx: ViewContext) -> str:
    return format_timestamp(ctx.now - timedelta(days=SILENT_AFTER_DAYS))


def counties_table(ctx: ViewContext) -> Table:
    """Counties in view ranked by cases accepted, with their townships' sync coverage."""
    counts = counts_by_unit(ctx.engine, ctx.scope, ctx.period, digits=6)
    contacts = _contacts(ctx)
    recent = _silence_line(ctx)
    rows = []
    for code in county_codes_in_view(ctx):
        townships = casework.children_of(code)
        mine = {c: e for c, e in contacts.items() if c[:6] == code}
        synced = sum(1 for e in mine.values() if e["last_contact"] and e["last_contact"] >= recent)
        last = max((e["last_contact"] for e in mine.values() if e["last_contact"]), default=None)
        rows.append(
            {
                "county_code": code,
                "county_name": casework.org(code).name,
                **_counted(counts.get(code, Counts())),
                "townships": len(townships),
                "centers_enrolled": len(mine),
                "synced_recently": synced,
                "coverage": synced / len(townships) if townships else None,
                "last_contact": last,
            }
        )
    rows.sort(key=lambda r: (-r["accepted"], -(r["completion_rate"] or 0), r["county_code"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return Table(
        "counties",
        "各县（市）办件排名",
        "Counties ranked by cases accepted",
        (
            Column("rank", "排名", "rank", "int"),
            Column("county_name", "县（市）", "county"),
            Column("county_code", "区划代码", "code"),
            *_COUNTS,
            Column("townships", "乡镇数", "townships", "int"),
            Column("centers_enrolled", "已接入中心", "centers enrolled", "int"),
            Column("synced_recently", f"{SILENT_AFTER_DAYS}日内同步", "synced recently", "int"),
            Column("coverage", "同步覆盖率", "sync coverage", "pct"),
            Column("last_contact", "最近同步", "last contact", "datetime"),
        ),
        rows,
        links={"county_name": "county_code"},
    )


def centers_table(ctx: ViewContext) -> Table:
    """A county's townships (and its own center when it records cases), with their counts."""
    county = ctx.county()
    counts = counts_by_unit(ctx.engine, ctx.scope, ctx.period, digits=9, within=county)
    contacts = _contacts(ctx, within=county)
    recent = _silence_line(ctx)
    codes = [org.code for org in casework.children_of(county)]
    if county in counts or county in contacts:
        codes.insert(0, county)
    rows = []
    for code in codes:
        contact = contacts.get(code, {"nodes": 0, "last_contact": None})
        rows.append(
            {
                "center_code": code,
                "center_name": center_name(code),
                **_counted(counts.get(code, Counts())),
                "nodes": contact["nodes"],
                "last_contact": contact["last_contact"],
                "silent_days": _days_since(ctx, contact["last_contact"]),
                "sync_state": _sync_state(contact, recent),
            }
        )
    return Table(
        "centers",
        f"{casework.org(county).name}各乡镇（街道）便民服务中心",
        "The county's service centers",
        (
            Column("center_name", "乡镇（街道）", "center"),
            Column("center_code", "区划代码", "code"),
            *_COUNTS,
            Column("nodes", "终端数", "nodes", "int"),
            Column("last_contact", "最近同步", "last contact", "datetime"),
            Column("silent_days", "沉默天数", "days silent", "int"),
            Column("sync_state", "同步状态", "sync state"),
        ),
        rows,
        links={"center_name": "center_code"},
    )


def _days_since(ctx: ViewContext, contact: str | None) -> int | None:
    """Whole days since a center's last contact (0 today); None when it never synced."""
    if contact is None:
        return None
    return max(0, (ctx.now - parse_timestamp(contact)).days)


def _sync_state(contact: dict[str, Any], recent: str) -> str:
    if not contact["nodes"]:
        return "未接入"
    if contact["last_contact"] is None:
        return "从未同步"
    if contact["last_contact"] < recent:
        return f"沉默（超过{SILENT_AFTER_DAYS}天）"
    return "正常"


def _unit_of(ctx: ViewContext) -> dict[str, str]:
    """The unit a category or trend table is about: one center, a county, or all in view."""
    return {"within": ctx.optional("county"), "center": ctx.optional("center")}


def categories_table(ctx: ViewContext) -> Table:
    """Accepted and completed by category, as the seed's report tables them."""
    unit = _unit_of(ctx)
    counts = counts_by_category(ctx.engine, ctx.scope, ctx.period, **unit)
    names = [*CATEGORY_LABELS, *sorted(set(counts) - set(CATEGORY_LABELS))]
    rows = [
        {"category": CATEGORY_LABELS.get(name, name), **_counted(counts.get(name, Counts()))}
        for name in names
    ]
    total = Counts(
        sum(c.accepted for c in counts.values()), sum(c.completed for c in counts.values())
    )
    rows.append({"category": "合计", **_counted(total)})
    return Table(
        "categories",
        "分类办件统计",
        "Cases by category",
        (Column("category", "事项类别", "category"), *_COUNTS),
        rows,
    )


def trend_table(ctx: ViewContext) -> Table:
    """Cases accepted and completed per month."""
    unit = _unit_of(ctx)
    rows = [
        {"month": month, **_counted(counts)}
        for month, counts in monthly_counts(ctx.engine, ctx.scope, ctx.period, **unit)
    ]
    return Table(
        "trend",
        "月度办件趋势",
        "Cases per month",
        (Column("month", "月份", "month"), *_COUNTS),
        rows,
    )
