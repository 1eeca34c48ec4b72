"""Benchmark: the compliance query over a prefecture's year, on the SQLite default.

Builds a synthetic prefecture hub in a temporary folder (not timed, progress on stderr):
  * 17 counties, 548 township centers (the org tree's 304 and 244 more codes) and the 17
    county centers, one node each, with one signed-header batch per working day of 2025
    (10 centers stop reporting on 1 December; 5 nodes enrolled in December never report);
  * --cases case rows over 2025's working days (default 4,000,000), sizes per center drawn
    from a log-normal, categories in the seed's shares (6 % licensing, 33 % other, 60 % public
    service, 1 % convenience), 97.5 % completed within ten days, open cases with due dates,
    0.3 % left open past their deadline, 0.1 % back-dated;
  * events only for a sample (--events, default 500,000 accept events, and 600 quarantined
    ones): compliance reads the event log only through the quarantine, so the other ~19M
    events a real year holds change the file's size, not the query;
  * 307 of the 548 township centers meeting the standard (the seed's September 2018 count);
  * the rollups by `rebuild_rollups` (timed: what a hub upgraded from before them runs once).

Then times `compliance()` for the prefecture and for one county (Xichang, the largest) over
the year, on a freshly opened engine: the first run and the median of --runs. Also times
`record_case_changes` for a batch of 200 new cases and 200 completions (the ingest hook).
Prints one JSON line per figure:
    .venv/bin/python bench/compliance_query.py --cases 4000000 --runs 7
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.compliance_prefecture import (  # noqa: E402
    YEAR,
    Prefecture,
    build_cases,
    build_nodes,
    build_standards,
    build_violations,
    say,
)
from bench.machine import machine, median  # noqa: E402
from central_hub.compliance import compliance  # noqa: E402
from central_hub.compliance.rollups import (  # noqa: E402
    ROLLUP_TABLES,
    case_rows,
    rebuild_rollups,
    record_case_changes,
)
from central_hub.home import init_home  # noqa: E402
from central_hub.store import cases, create_engine_for, insert_many  # noqa: E402


def time_query(url: str, *, scope: str | None, runs: int) -> dict[str, Any]:
    """The first run on a fresh engine, then the median of `runs` more (report and tables)."""
    engine = create_engine_for(url)
    times, tables_times = [], []
    try:
        for _ in range(runs + 1):
            started = time.perf_counter()
            with engine.connect() as conn:
                report = compliance(
                    conn,
                    scope_county=scope,
                    since=date(YEAR, 1, 1),
                    until=date(YEAR, 12, 31),
                    today=date(YEAR, 12, 31),
                )
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            report.tables()
            tables_times.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return {
        "scope": scope or "prefecture",
        "first_s": round(times[0], 3),
        "median_s": round(median(times[1:]), 3),
        "runs_s": [round(t, 3) for t in times[1:]],
        "tables_median_s": round(median(tables_times[1:]), 3),
        "accepted": report.total.total.accepted,
        "completed": report.total.total.completed,
        "red": report.total.red,
        "yellow": report.total.yellow,
        "silent_centers": report.total.silent,
        "violations": len(report.violations),
        "patterns": len(report.patterns),
        "units": len(report.units),
    }


def time_direct_scan(url: str, *, scope: str | None, runs: int) -> dict[str, Any]:
    """The baseline: only the year's totals by county and category, counted from the cases
    table itself (what a report without rollups must at least read), median of `runs`."""
    engine = create_engine_for(url)
    done = sa.func.sum(sa.case((cases.c.status.in_(("completed", "delivered")), 1), else_=0))
    overdue = sa.func.sum(
        sa.case((sa.func.substr(cases.c.completed_at, 1, 10) > cases.c.due_date, 1), else_=0)
    )
    query = (
        sa.select(cases.c.county_code, cases.c.category, sa.func.count(), done, overdue)
        .where(
            cases.c.accepted_at >= f"{YEAR - 1}-12-31T16:00",
            cases.c.accepted_at < f"{YEAR}-12-31T16:00",
        )
        .group_by(cases.c.county_code, cases.c.category)
    )
    if scope is not None:
        query = query.where(cases.c.county_code == scope)
    times = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            with engine.connect() as conn:
                rows = conn.execute(query).all()
            times.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return {
        "baseline_median_s": round(median(times), 3),
        "baseline_accepted": sum(row[2] for row in rows),
        "baseline": "GROUP BY county, category straight over the cases table",
    }


def time_hook(url: str, year: Prefecture, *, runs: int) -> dict[str, Any]:
    """record_case_changes for one center's batch: 200 new cases and 200 completions."""
    engine = create_engine_for(url)
    center, county = year.centers[0]
    per_case = []
    try:
        for run in range(runs):
            rows = [
                year._row(10**8 + run * 1000 + i, center, county, year.days[-1], year.days)
                for i in range(200)
            ]
            with engine.connect() as conn:
                transaction = conn.begin()
                insert_many(conn, cases, rows)
                old = (
                    conn.execute(
                        sa.select(cases.c.case_id).where(cases.c.center_code == center).limit(200)
                    )
                    .scalars()
                    .all()
                )
                before = case_rows(conn, old)
                done = {"completed_at": f"{YEAR}-12-31T08:00:00.000Z", "status": "completed"}
                started = time.perf_counter()
                record_case_changes(conn, [(None, row) for row in rows])
                record_case_changes(conn, [(before[case_id], done) for case_id in old])
                per_case.append((time.perf_counter() - started) / 400 * 1e6)
                transaction.rollback()
    finally:
        engine.dispose()
    return {
        "us_per_case_change": round(median(per_case), 1),
        "runs_us": [round(u, 1) for u in per_case],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4_000_000)
    parser.add_argument("--events", type=int, default=500_000, help="sampled accept events")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the hub here and keep it")
    args = parser.parse_args()
    info = machine()
    print(
        json.dumps(
            {
                "bench": "compliance_query",
                "machine": info,
                **{k: str(v) for k, v in vars(args).items()},
            }
        ),
        flush=True,
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        home = init_home(
            folder / "hub", tier="prefecture", org_code="513400", name="凉山州政务服务中心"
        )
        url = home.config.database_url
        year = Prefecture(random.Random(7))
        started = time.perf_counter()
        with home.engine.begin() as conn:
            say("终端与批次 nodes and batches…")
            build_nodes(conn, year)
            build_cases(conn, year, args.cases, args.events)
            build_violations(conn, year)
            build_standards(conn, year)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        with home.engine.begin() as conn:
            rebuild_rollups(conn, progress=lambda d, t: say(f"汇总 rollups {d}/{t}"))
            rollup_rows = {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in ROLLUP_TABLES
            }
        rebuild_s = time.perf_counter() - started
        raw = home.engine.raw_connection()  # outside any transaction
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
        home.close()
        size = (folder / "hub" / "hub.db").stat().st_size
        print(
            json.dumps(
                {
                    "bench": "compliance_query",
                    "figure": "build",
                    "cases": args.cases,
                    "sampled_events": args.events,
                    "centers": len(year.centers),
                    "build_s": round(build_s, 1),
                    "rebuild_rollups_s": round(rebuild_s, 1),
                    "rebuild_cases_per_s": round(args.cases / rebuild_s),
                    "rollup_rows": rollup_rows,
                    "db_bytes": size,
                    "machine": info,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
        for scope in (None, "513401"):
            say(f"查询 timing {scope or 'prefecture'}…")
            figure = time_query(url, scope=scope, runs=args.runs)
            figure |= time_direct_scan(url, scope=scope, runs=args.runs)
            figure["ratio_to_baseline"] = round(figure["median_s"] / figure["baseline_median_s"], 3)
            print(
                json.dumps(
                    {
                        "bench": "compliance_query",
                        "figure": "query",
                        "cases": args.cases,
                        **figure,
                        "machine": info,
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
        hook = time_hook(url, year, runs=args.runs)
        print(
            json.dumps(
                {
                    "bench": "compliance_query",
                    "figure": "record_case_changes",
                    **hook,
                    "machine": info,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
