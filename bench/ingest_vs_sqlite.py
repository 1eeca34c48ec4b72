"""Benchmark: the hub's ingest rate against a raw insert of the same rows, on each store.

Ours, in process (no HTTP): a fresh hub and an enrolled node; the node records N events
through its case book, cut into 1,000-event batches, signed and sealed (not timed). Timed:
`Ingestor.ingest` of every batch: open (HPKE), verify, decompress, decode, the case rules,
the projection and compliance rollups, the events, the receipt, one transaction a batch.

Baselines, in the same run, with the very rows the hub stored in its events table: a raw
`executemany` into a table of the same schema and indexes, one transaction per 1,000 rows,
  * into a fresh SQLite file (sqlite3, WAL, synchronous=FULL: the hub's settings), and
  * with --store postgresql, also into a fresh PostgreSQL database (psycopg 3).
Prints one JSON line per run and a summary with medians and ratios:
    .venv/bin/python bench/ingest_vs_sqlite.py --events 20000 --runs 3
    .venv/bin/python bench/ingest_vs_sqlite.py --events 20000 --open-cases 2000  # cases go on
    .venv/bin/python bench/ingest_vs_sqlite.py --store postgresql --postgres URL
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlalchemy.schema import CreateIndex, CreateTable  # noqa: E402

from bench.machine import add_store_arguments, machine, median  # noqa: E402
from bench.sync_throughput import fill  # noqa: E402
from central_hub.store import create_database, events, normalize_url  # noqa: E402
from tests.pairs import make_pair  # noqa: E402
from tests.postgres import drop_databases_except, hub_databases  # noqa: E402

BATCH_EVENTS = 1000
_COLUMNS = [column.name for column in events.columns]


def ours(tmp: Path, n_events: int, open_cases: int) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    pair = make_pair(tmp)
    fill(pair.node, n_events, open_cases=open_cases)
    sealed = pair.sealed_batches(max_events=BATCH_EVENTS)
    with pair.hub.engine.connect() as conn:
        empty = _store_bytes(conn)
    started = time.perf_counter()
    for blob in sealed:
        pair.ingestor.ingest(blob)
    elapsed = time.perf_counter() - started
    with pair.hub.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(sa.select(events).order_by(events.c.seq))]
        stored = _store_bytes(conn)
    pair.node.close()
    pair.hub.close()
    if len(rows) != n_events:
        raise SystemExit(f"ours: the hub holds {len(rows)} of {n_events} events")
    figure = _rate(n_events, elapsed) | {"batches": len(sealed)}
    return figure | {"store_bytes_per_event": round((stored - empty) / n_events)}, rows


def _store_bytes(conn: sa.Connection) -> int:
    """What the hub's whole store takes (every table and index) now."""
    if conn.dialect.name == "postgresql":
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    return int((pages - free) * conn.exec_driver_sql("PRAGMA page_size").scalar_one())


def _rate(n: int, seconds: float) -> dict[str, Any]:
    return {"seconds": round(seconds, 3), "events_per_s": round(n / seconds)}


def _ddl(dialect: Any) -> list[str]:
    return [str(CreateTable(events).compile(dialect=dialect))] + [
        str(CreateIndex(index).compile(dialect=dialect)) for index in events.indexes
    ]


def raw_sqlite(tmp: Path, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    conn = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for statement in _ddl(sqlite.dialect()):
        conn.execute(statement)
    insert = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    started = time.perf_counter()
    for first in range(0, len(rows), BATCH_EVENTS):
        conn.execute("BEGIN")
        conn.executemany(insert, rows[first : first + BATCH_EVENTS])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return _rate(len(rows), elapsed)


def raw_postgresql(server: str, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    url = create_database(server, f"hub_bench_raw_{secrets.token_hex(4)}")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    insert = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
    try:
        raw = engine.raw_connection()
        conn = raw.driver_connection  # psycopg's own connection: no SQLAlchemy in the loop
        for statement in _ddl(postgresql.dialect()):
            conn.execute(statement)
        conn.commit()
        started = time.perf_counter()
        for first in range(0, len(rows), BATCH_EVENTS):
            with conn.cursor() as cursor:
                cursor.executemany(insert, rows[first : first + BATCH_EVENTS])
            conn.commit()
        elapsed = time.perf_counter() - started
        raw.close()
    finally:
        engine.dispose()
    return _rate(len(rows), elapsed)


def _median_ratio(ours: list[float], baseline: list[float]) -> float:
    return round(median([a / b for a, b in zip(ours, baseline, strict=True)]), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--open-cases",
        type=int,
        default=1,
        help="cases worked on at once (default 1: each finished before the next; more makes "
        "later batches continue cases earlier ones began)",
    )
    add_store_arguments(parser)
    args = parser.parse_args()
    info = machine()
    on_postgres = args.store == "postgresql"
    if on_postgres:
        if not args.postgres:
            print(json.dumps({"bench": "ingest_vs_sqlite", "skipped": "no --postgres server"}))
            return
        args.postgres = normalize_url(args.postgres)
        os.environ["CENTRAL_HUB_POSTGRES_SERVER"] = args.postgres
        kept = hub_databases(args.postgres)
    else:
        os.environ.pop("CENTRAL_HUB_POSTGRES_SERVER", None)
    figures: dict[str, list[float]] = {"ours": [], "raw_sqlite": [], "raw_postgresql": []}
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as scratch:
            tmp = Path(scratch)
            result, rows = ours(tmp, args.events, args.open_cases)
            lines = {"ours": result, "raw_sqlite": raw_sqlite(tmp, rows)}
            if on_postgres:
                lines["raw_postgresql"] = raw_postgresql(args.postgres, rows)
        if on_postgres:
            drop_databases_except(args.postgres, kept)
        for system, figure in lines.items():
            figures[system].append(figure["events_per_s"])
            line = {"bench": "ingest_vs_sqlite", "system": system, "store": args.store}
            line |= {"events": args.events, "open_cases": args.open_cases, **figure, "run": run}
            line |= {"machine": info}
            print(json.dumps(line), flush=True)
    ours_rate = median(figures["ours"])
    summary: dict[str, Any] = {
        "bench": "ingest_vs_sqlite_summary",
        "store": args.store,
        "events": args.events,
        "open_cases": args.open_cases,
        "runs": args.runs,
        "median_events_per_s": round(ours_rate),
        "raw_sqlite_median_events_per_s": round(median(figures["raw_sqlite"])),
        "ratio_to_raw_sqlite": round(ours_rate / median(figures["raw_sqlite"]), 3),
        # Each run's own ratio: steadier than the ratio of medians on a shared machine.
        "median_run_ratio_to_raw_sqlite": _median_ratio(figures["ours"], figures["raw_sqlite"]),
    }
    if on_postgres:
        raw_pg = median(figures["raw_postgresql"])
        summary |= {
            "raw_postgresql_median_events_per_s": round(raw_pg),
            "ratio_to_raw_postgresql": round(ours_rate / raw_pg, 3),
            "median_run_ratio_to_raw_postgresql": _median_ratio(
                figures["ours"], figures["raw_postgresql"]
            ),
        }
    print(json.dumps(summary | {"machine": info}), flush=True)


if __name__ == "__main__":
    main()
