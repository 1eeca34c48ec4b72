"""Provides the recount behind `rebuild_rollups`: every case read once, counts summed in
memory, the rollup tables made afresh and written in bulk, silences computed per center.

The back-dating rule needs, for each case, the newest batch of its node that reached this hub
before the case did; here that comes from one pass over the arrivals instead of a query per
case, with the same answer (the highest batch_seq among those received earlier).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from ...store import batches, cases, insert_many
from .facts import FactsReader, china_time
from .schema import (
    BURST_SLOTS,
    MEASURES,
    ROLLUP_KEYS,
    ROLLUP_TABLES,
    rollup_center_days,
    rollup_daily,
    rollup_monthly,
    rollup_open_cases,
    rollup_slots,
)
from .writes import RollupDeltas

__all__ = ["recount"]

_REPORT_EVERY = 100_000


def recount(conn: sa.Connection, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Empties the rollup tables and counts every case row into them again."""
    total = int(conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar() or 0)
    reader = FactsReader(conn, previous_cut=_PreviousCuts(conn))
    deltas = RollupDeltas()
    done = 0
    columns = [cases.c[key] for key in ROLLUP_KEYS]
    for row in conn.execute(sa.select(*columns)).mappings():
        deltas.add(reader.facts(row), +1)
        done += 1
        if progress is not None and done % _REPORT_EVERY == 0:
            progress(done, total)
    # Dropped and made again, not emptied: a hub from an older rollups schema gets the new one.
    for table in ROLLUP_TABLES:
        table.drop(conn, checkfirst=True)
        table.create(conn)
    _write(conn, deltas)
    if progress is not None:
        progress(done, total)
    return done


def _write(conn: sa.Connection, deltas: RollupDeltas) -> None:
    for table, period, counts in (
        (rollup_daily, "day", deltas.daily),
        (rollup_monthly, "month", deltas.monthly),
    ):
        insert_many(
            conn,
            table,
            [
                {"center_code": c, period: p, "category": k, "county_code": c[:6]}
                | dict(zip(MEASURES, values, strict=True))
                for (c, p, k), values in counts.items()
                if any(values)
            ],
        )
    slots = {key: n for key, n in deltas.slots.items() if n}
    insert_many(
        conn,
        rollup_slots,
        [
            {
                "center_code": c,
                "slot": s,
                "county_code": c[:6],
                "accepted": n,
                "window": sum(slots.get((c, s + i), 0) for i in range(BURST_SLOTS)),
            }
            for (c, s), n in slots.items()
        ],
    )
    insert_many(conn, rollup_center_days, _center_day_rows(deltas.center_days))
    insert_many(
        conn,
        rollup_open_cases,
        [row.row(case_id) for case_id, row in deltas.open_after.items() if row is not None],
    )


def _center_day_rows(counts: dict[tuple[str, str], int]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    previous: tuple[str, date] | None = None
    for (center, day_text), accepted in sorted(counts.items()):
        if not accepted:
            continue
        day = date.fromisoformat(day_text)
        gap = (day - previous[1]).days if previous and previous[0] == center else None
        rows.append(
            {
                "center_code": center,
                "day": day_text,
                "county_code": center[:6],
                "accepted": accepted,
                "gap_before": gap,
            }
        )
        previous = (center, day)
    return rows


class _PreviousCuts:
    """For (node, received_at): the cut time of the highest-numbered batch of that node that
    reached this hub strictly before received_at, or None."""

    def __init__(self, conn: sa.Connection) -> None:
        self._arrivals: dict[str, list[str]] = {}
        self._best: dict[str, list[int]] = {}
        self._cut_texts: dict[tuple[str, int], str] = {}
        query = sa.select(
            batches.c.node_id, batches.c.received_at, batches.c.batch_seq, batches.c.header
        ).order_by(batches.c.node_id, batches.c.received_at, batches.c.batch_seq)
        for node_id, received_at, batch_seq, header in conn.execute(query):
            arrivals = self._arrivals.setdefault(node_id, [])
            best = self._best.setdefault(node_id, [])
            arrivals.append(received_at)
            best.append(max(batch_seq, best[-1]) if best else batch_seq)
            self._cut_texts[(node_id, batch_seq)] = json.loads(header)["created_at"]
        self._cuts: dict[tuple[str, int], datetime] = {}

    def __call__(self, node_id: str, received_at: str) -> datetime | None:
        arrivals = self._arrivals.get(node_id)
        if not arrivals:
            return None
        earlier = bisect.bisect_left(arrivals, received_at)
        if earlier == 0:
            return None
        key = (node_id, self._best[node_id][earlier - 1])
        if key not in self._cuts:
            self._cuts[key] = china_time(self._cut_texts[key])
        return self._cuts[key]
