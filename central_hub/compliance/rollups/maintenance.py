"""Provides the upkeep of the compliance rollups (tables in schema.py): kept incrementally,
recounted when behind.

The projection calls `record_case_changes` with each case row before and after, inside the
ingest transaction; `rebuild_rollups` recounts everything from the cases (a hub upgraded from
before the rollups, or one whose rollups fell behind). A watermark in hub_meta says whether
the rollups cover every case row.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ...errors import HubError
from ...store import cases, hub_meta, in_chunks, metadata
from .facts import FactsReader
from .recount import recount
from .schema import ROLLUP_KEYS, ROLLUP_TABLES
from .writes import RollupDeltas

__all__ = [
    "RollupsMissing",
    "case_rows",
    "ensure_rollup_tables",
    "rebuild_rollups",
    "record_case_changes",
    "rollups_ready",
    "set_watermark",
]

_WATERMARK = "rollups_rowid_v5"  # the rollups schema version: a new one rebuilds
_DATING_KEYS = ("node_id", "received_at", "accepted_at", "center_code", "category")
"""What the back-dating rule reads of a row, and the keys its count is filed under: while
none of them changes, a change's back-dating counts cancel out and need no lookup."""


class RollupsMissing(HubError):
    """The rollups do not cover every case row (a hub from before them, or a projection that
    does not call `record_case_changes`); `rebuild_rollups` recounts them."""

    code = "rollups_missing"
    http_status = 503


_ready_engines: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def ensure_rollup_tables(conn: sa.Connection) -> None:
    """Creates the rollup tables on a store from before them (once per engine)."""
    if conn.engine in _ready_engines:
        return
    metadata.create_all(conn, tables=[*ROLLUP_TABLES, hub_meta], checkfirst=True)
    _ready_engines.add(conn.engine)


def case_rows(conn: sa.Connection, case_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of these cases with the keys the rollups read: the "before" rows."""
    found: dict[str, dict[str, Any]] = {}
    columns = [cases.c[key] for key in ROLLUP_KEYS]
    for chunk in in_chunks(case_ids):
        for row in conn.execute(sa.select(*columns).where(cases.c.case_id.in_(chunk))):
            found[row.case_id] = dict(row._mapping)
    return found


def record_case_changes(
    conn: sa.Connection, changes: Sequence[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]
) -> None:
    """Adds case changes to the rollups, in the caller's transaction.

    Call it after the rows are written to `cases`, before the transaction commits.

    Args:
        changes: (the case row before, or None for a new case; the row after). The after row
            may hold only the columns that changed: it is read over the before row.
    """
    if not changes:
        return
    ensure_rollup_tables(conn)
    reader = FactsReader(conn)
    deltas = RollupDeltas()
    for before, after in changes:
        if before is None:
            deltas.add(reader.facts(after), +1)
            continue
        merged = {**before, **after}
        if all(merged.get(key) == before.get(key) for key in ROLLUP_KEYS):
            continue  # a step that changes nothing counted (handled, reviewed, …)
        dated = any(merged.get(key) != before.get(key) for key in _DATING_KEYS)
        deltas.add(reader.facts(before, dated=dated), -1)
        deltas.add(reader.facts(merged, dated=dated), +1)
    deltas.apply(conn)
    _advance_watermark(conn, new_rows=sum(before is None for before, _ in changes))


def rebuild_rollups(
    conn: sa.Connection, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recounts every rollup from the case rows, in the caller's transaction.

    For a hub whose rollups are missing or behind. It reads every case once (a prefecture's
    year takes about a minute; see docs/compliance.md) and holds the write lock meanwhile.

    Args:
        progress: called with (cases done, cases in all) every 100,000 cases and at the end.

    Returns:
        The number of cases counted.
    """
    ensure_rollup_tables(conn)
    counted = recount(conn, progress=progress)
    set_watermark(conn)
    return counted


def rollups_ready(conn: sa.Connection) -> bool:
    """Whether the rollups account for every case row (no row was added without them)."""
    ensure_rollup_tables(conn)
    return _stored_watermark(conn) == _case_watermark(conn)


def _case_watermark(conn: sa.Connection) -> int:
    # Case rows are never deleted, so SQLite's max(rowid) counts them in O(1); elsewhere
    # count them.
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("SELECT max(rowid) FROM cases").scalar() or 0)
    return int(conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar() or 0)


def _stored_watermark(conn: sa.Connection) -> int:
    value = conn.execute(sa.select(hub_meta.c.value).where(hub_meta.c.key == _WATERMARK)).scalar()
    return int(value or 0)


def set_watermark(conn: sa.Connection) -> None:
    """Marks the rollups as covering every case row now in the store."""
    conn.execute(hub_meta.delete().where(hub_meta.c.key == _WATERMARK))
    conn.execute(hub_meta.insert().values(key=_WATERMARK, value=str(_case_watermark(conn))))


def _advance_watermark(conn: sa.Connection, *, new_rows: int) -> None:
    """Moves the watermark over the rows just added, only if it covered all rows before them:
    rollups that already missed some rows stay marked as missing until rebuilt."""
    if conn.dialect.name != "sqlite":
        # No rowid here, and count(*) reads the whole table (a prefecture's 4M cases, on
        # every batch): the watermark counts the rows the rollups took in, and
        # rollups_ready compares it with a full count, once per report. A row written
        # without the rollups keeps the two apart until a rebuild.
        if new_rows:
            covered = _stored_watermark(conn) + new_rows
            conn.execute(hub_meta.delete().where(hub_meta.c.key == _WATERMARK))
            conn.execute(hub_meta.insert().values(key=_WATERMARK, value=str(covered)))
        return
    current = _case_watermark(conn)
    if _stored_watermark(conn) == current - new_rows and new_rows:
        set_watermark(conn)
