"""Provides the dashboard's reads from the hub's store, every one filtered by a Scope.

Each function takes the scope and applies it in SQL, so a row outside a person's counties is
never read, let alone shown. These are the small queries the pages need until compliance.py and
reconcile.py land (see integrations.py); they read only tables the store already has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

import casework
from sync_protocol import decode_event

from ..store import (
    case_conflicts,
    case_parties,
    cases,
    cursors,
    events,
    held_batches,
    in_chunks,
    nodes,
    quarantine,
    rejected_batches,
)
from .period import Period
from .scope import Scope

__all__ = [
    "DONE_STATUSES",
    "CaseDetail",
    "Counts",
    "applicants_of",
    "case_detail",
    "case_rows",
    "cases_numbered",
    "counts_by_category",
    "counts_by_unit",
    "monthly_counts",
    "node_center",
    "node_rows",
    "quarantine_rows",
    "rejected_rows",
]

DONE_STATUSES = ("completed", "delivered")


@dataclass(frozen=True, slots=True)
class Counts:
    accepted: int = 0
    completed: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.accepted if self.accepted else None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: dict[str, Any]
    parties: list[dict[str, Any]]
    events: list[dict[str, Any]]
    """Decoded events in the order they happened, each with its payload."""
    conflicts: list[dict[str, Any]]
    quarantined: list[dict[str, Any]]


def _scoped(column: sa.ColumnElement[str], scope: Scope) -> sa.ColumnElement[bool]:
    if scope.counties is None:
        return sa.true()
    return sa.func.substr(column, 1, 6).in_(sorted(scope.counties))


def _in_view(scope: Scope) -> sa.ColumnElement[bool]:
    """Cases a person sees: recorded at a center in their counties, or handed to one there."""
    if scope.counties is None:
        return sa.true()
    handed = sa.select(case_parties.c.case_id).where(_scoped(case_parties.c.center_code, scope))
    return sa.or_(_scoped(cases.c.center_code, scope), cases.c.case_id.in_(handed))


def cases_numbered(
    engine: sa.Engine, scope: Scope, fragment: str, *, center: str = "", limit: int
) -> list[dict[str, Any]]:
    """Cases in view whose number holds `fragment`, newest first, at most `limit`.

    `center` (the 9-digit code a whole number starts with) narrows the look-up to that
    center's cases, through its index; without it the numbers in view are scanned."""
    matching = cases.c.case_no.contains(fragment, autoescape=True)
    if center:
        matching = sa.and_(cases.c.center_code == center, matching)
    query = (
        sa.select(
            cases.c.case_id,
            cases.c.case_no,
            cases.c.center_code,
            cases.c.item_code,
            cases.c.status,
            cases.c.accepted_at,
        )
        .where(matching, _in_view(scope))
        .order_by(cases.c.accepted_at.desc(), cases.c.case_no)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _within(column: sa.ColumnElement[str], prefix: str, center: str = "") -> sa.ColumnElement[bool]:
    """Codes under `prefix` (a county or township), or exactly `center`; "" is no limit.

    A county's own center has the county's 6-digit code, so only `center` can single it out.
    """
    if center:
        return column == center
    # Codes are digits only, so LIKE needs no escaping.
    return column.like(f"{prefix}%") if prefix else sa.true()


def _accepted_in(period: Period) -> sa.ColumnElement[bool]:
    since, until = period.utc_bounds()
    clauses = []
    if since:
        clauses.append(cases.c.accepted_at >= since)
    if until:
        clauses.append(cases.c.accepted_at < until)
    return sa.and_(sa.true(), *clauses)


def _done() -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((cases.c.status.in_(DONE_STATUSES), 1), else_=0))


def counts_by_unit(
    engine: sa.Engine, scope: Scope, period: Period, *, digits: int, within: str = ""
) -> dict[str, Counts]:
    """Accepted and completed cases per unit: counties (digits=6) or townships (digits=9).

    A county's own center has a 6-digit code, so among townships it is listed under that code.
    """
    unit = sa.func.substr(cases.c.center_code, 1, digits)
    query = (
        sa.select(unit, sa.func.count(), _done())
        .where(_scoped(cases.c.center_code, scope), _within(cases.c.center_code, within))
        .where(_accepted_in(period))
        .group_by(unit)
    )
    with engine.connect() as conn:
        return {code: Counts(int(n), int(done or 0)) for code, n, done in conn.execute(query)}


def counts_by_category(
    engine: sa.Engine, scope: Scope, period: Period, *, within: str = "", center: str = ""
) -> dict[str, Counts]:
    query = (
        sa.select(cases.c.category, sa.func.count(), _done())
        .where(_scoped(cases.c.center_code, scope), _within(cases.c.center_code, within, center))
        .where(_accepted_in(period))
        .group_by(cases.c.category)
    )
    with engine.connect() as conn:
        return {name: Counts(int(n), int(done or 0)) for name, n, done in conn.execute(query)}


def monthly_counts(
    engine: sa.Engine, scope: Scope, period: Period, *, within: str = "", center: str = ""
) -> list[tuple[str, Counts]]:
    """Cases accepted per China month (YYYY-MM), oldest first.

    Grouped by UTC hour in SQL and folded into China months here: a month boundary falls at
    16:00 UTC, which a UTC month in SQL would get wrong, and a year is only 8,760 hours.
    """
    hour = sa.func.substr(cases.c.accepted_at, 1, 13)
    query = (
        sa.select(hour, sa.func.count(), _done())
        .where(_scoped(cases.c.center_code, scope), _within(cases.c.center_code, within, center))
        .where(_accepted_in(period))
        .group_by(hour)
    )
    months: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for text, n, done in conn.execute(query):
            at = datetime.strptime(text, "%Y-%m-%dT%H").replace(tzinfo=UTC)
            month = at.astimezone(casework.CHINA_TZ).strftime("%Y-%m")
            tally = months.setdefault(month, [0, 0])
            tally[0] += int(n)
            tally[1] += int(done or 0)
    return [(month, Counts(*months[month])) for month in sorted(months)]


def case_rows(
    engine: sa.Engine,
    scope: Scope,
    period: Period,
    *,
    within: str = "",
    center: str = "",
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The cases accepted under `within` or at `center`, newest first."""
    query = (
        sa.select(cases)
        .where(_scoped(cases.c.center_code, scope), _within(cases.c.center_code, within, center))
        .where(_accepted_in(period))
        .order_by(cases.c.accepted_at.desc(), cases.c.case_no)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def applicants_of(engine: sa.Engine, case_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each case's applicant (name, id_number, phone) from its acceptance event."""
    found: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        for chunk in in_chunks(case_ids):
            query = sa.select(events.c.case_id, events.c.body).where(
                events.c.type == "accept", events.c.case_id.in_(chunk)
            )
            for case_id, body in conn.execute(query):
                applicant = decode_event(body).payload.get("applicant") or {}
                found[case_id] = {
                    key: str(applicant.get(key, "")) for key in ("name", "id_number", "phone")
                }
    return found


def case_detail(engine: sa.Engine, scope: Scope, case_id: str) -> CaseDetail | None:
    """A case with its parties, events, conflicts and quarantined events; None when it does not
    exist or no center it passed through is in the scope (the two are told apart to no one)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.case_id == case_id)).first()
        if row is None:
            return None
        parties = [
            dict(p._mapping)
            for p in conn.execute(
                sa.select(case_parties)
                .where(case_parties.c.case_id == case_id)
                .order_by(case_parties.c.joined_at)
            )
        ]
        if not scope.covers_any([row.center_code, *(p["center_code"] for p in parties)]):
            return None
        logged = conn.execute(
            sa.select(events.c.body, events.c.quarantined).where(events.c.case_id == case_id)
        ).all()
        conflicts = _rows(conn, case_conflicts, case_conflicts.c.case_id == case_id)
        kept = _rows(conn, quarantine, quarantine.c.case_id == case_id)
    decoded = []
    for body, was_quarantined in logged:
        event = decode_event(body)
        decoded.append(
            {
                "event_id": event.event_id,
                "node_id": event.node_id,
                "seq": event.seq,
                "type": event.type,
                "occurred_at": event.occurred_at,
                "clerk_id": event.clerk_id,
                "payload": event.payload,
                "quarantined": bool(was_quarantined),
            }
        )
    decoded.sort(key=lambda e: (e["occurred_at"], e["node_id"], e["seq"]))
    return CaseDetail(dict(row._mapping), parties, decoded, conflicts, kept)


def node_rows(
    engine: sa.Engine, scope: Scope, *, within: str = "", center: str = ""
) -> list[dict[str, Any]]:
    """Every node in view with what the hub holds of it and what went wrong with it."""
    held = _count_by_node(held_batches)
    refused = _count_by_node(rejected_batches)
    kept = _count_by_node(quarantine)
    query = (
        sa.select(
            nodes.c.node_id,
            nodes.c.kind,
            nodes.c.center_code,
            nodes.c.name,
            nodes.c.enrolled_at,
            nodes.c.revoked_at,
            cursors.c.next_batch_seq,
            cursors.c.last_event_seq,
            cursors.c.last_contact_at,
            sa.func.coalesce(held.c.n, 0).label("held"),
            sa.func.coalesce(refused.c.n, 0).label("rejected"),
            sa.func.coalesce(kept.c.n, 0).label("quarantined"),
        )
        .select_from(
            nodes.outerjoin(cursors, cursors.c.node_id == nodes.c.node_id)
            .outerjoin(held, held.c.node_id == nodes.c.node_id)
            .outerjoin(refused, refused.c.node_id == nodes.c.node_id)
            .outerjoin(kept, kept.c.node_id == nodes.c.node_id)
        )
        .where(_scoped(nodes.c.center_code, scope), _within(nodes.c.center_code, within, center))
        .order_by(nodes.c.center_code, nodes.c.node_id)
    )
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        row["batches"] = (row.pop("next_batch_seq") or 1) - 1
        row["last_event_seq"] = row["last_event_seq"] or 0
    return rows


def node_center(engine: sa.Engine, node_id: str) -> str | None:
    """The center a node serves, or None when no such node is enrolled."""
    with engine.connect() as conn:
        return conn.execute(
            sa.select(nodes.c.center_code).where(nodes.c.node_id == node_id)
        ).scalar_one_or_none()


def _count_by_node(table: sa.Table) -> sa.Subquery:
    return (
        sa.select(table.c.node_id, sa.func.count().label("n")).group_by(table.c.node_id).subquery()
    )


def quarantine_rows(engine: sa.Engine, scope: Scope, *, within: str = "") -> list[dict[str, Any]]:
    return _node_scoped_rows(engine, scope, quarantine, quarantine.c.quarantined_at, within)


def rejected_rows(engine: sa.Engine, scope: Scope, *, within: str = "") -> list[dict[str, Any]]:
    table = rejected_batches
    columns = [c for c in table.c if c.name != "blob"]  # the bytes are for `central-hub` tools
    return _node_scoped_rows(engine, scope, table, table.c.received_at, within, columns)


def _node_scoped_rows(
    engine: sa.Engine,
    scope: Scope,
    table: sa.Table,
    newest: sa.Column[Any],
    within: str,
    columns: Iterable[sa.Column[Any]] | None = None,
) -> list[dict[str, Any]]:
    """Rows of a per-node table whose node is in view, with the node's center and name."""
    query = (
        sa.select(*(columns or table.c), nodes.c.center_code, nodes.c.name.label("node_name"))
        # Outer: a batch from a node no one enrolled is still kept, and shown to the prefecture
        # (its NULL center is in no county's view).
        .select_from(table.outerjoin(nodes, nodes.c.node_id == table.c.node_id))
        .where(_scoped(nodes.c.center_code, scope), _within(nodes.c.center_code, within))
        .order_by(newest.desc())
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def _rows(
    conn: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool]
) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(sa.select(table).where(where))]
