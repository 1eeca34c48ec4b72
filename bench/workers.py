"""Benchmark: HTTP ingest from several nodes at once, by store and number of hub workers.

Each configuration gets a fresh county hub (real uvicorn processes) and --nodes enrolled
nodes that each record --events / --nodes events (not timed). Timed: every node's
`sync_once` at the same time (one thread each, two batches in flight per node), until
every receipt is back; the hub must then hold every event exactly once.

The baseline, measured in the same run: the default deployment, one worker on SQLite.
Configurations alternate run by run, so load from elsewhere hits each alike. Prints one
JSON line per run and a summary line per configuration with medians and the ratio:
    .venv/bin/python bench/workers.py --events 20000 --nodes 4 --runs 3 --postgres URL
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.machine import machine, median  # noqa: E402
from bench.sync_throughput import fill  # noqa: E402
from central_hub.enrollment import issue_code  # noqa: E402
from central_hub.home import init_home as init_hub  # noqa: E402
from central_hub.home import open_home as open_hub  # noqa: E402
from central_hub.store import events  # noqa: E402
from sync_protocol import HubClient  # noqa: E402
from tests.conftest import start_hub  # noqa: E402
from tests.postgres import drop_databases_except, hub_databases  # noqa: E402
from township_node.enrollment import enroll  # noqa: E402
from township_node.home import init_home as init_node  # noqa: E402
from township_node.sync import sync_once  # noqa: E402


def one_run(tmp: Path, *, database_url: str, workers: int, nodes: int, events_each: int) -> float:
    hub_home = init_hub(
        tmp / "county", tier="county", org_code="513431", name="县", database_url=database_url
    )
    centers = [f"513431{100 + i}" for i in range(nodes)]
    codes = {center: issue_code(hub_home, center_code=center) for center in centers}
    hub_home.close()
    hub = start_hub(tmp / "county", workers=workers)
    try:
        homes = []
        for center in centers:
            node = init_node(tmp / center, center_code=center, name=center)
            with HubClient(hub.url) as client:
                enroll(node, client, codes[center])
            fill(node, events_each)
            homes.append(node)
        failures: list[BaseException] = []

        def sync(node: Any) -> None:
            try:
                with HubClient(hub.url) as client:
                    sync_once(node, client, window=2)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=sync, args=(node,)) for node in homes]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        for node in homes:
            node.close()
        if failures:
            raise SystemExit(f"a node's sync failed: {failures[0]!r}")
    finally:
        hub.stop()
    hub_home = open_hub(tmp / "county")
    with hub_home.engine.connect() as conn:
        held = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    hub_home.close()
    if held != nodes * events_each:
        raise SystemExit(f"the hub holds {held} of {nodes * events_each} events")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="in all, over the nodes")
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--postgres", default=os.environ.get("HUB_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    info = machine()
    os.environ.pop("CENTRAL_HUB_POSTGRES_SERVER", None)
    configs = [("sqlite", 1)]
    if args.postgres:
        configs += [("postgresql", w) for w in args.workers]
        kept = hub_databases(args.postgres)
    each = args.events // args.nodes
    total = each * args.nodes
    rates: dict[tuple[str, int], list[float]] = {config: [] for config in configs}
    for run in range(1, args.runs + 1):
        for store, workers in configs:
            with tempfile.TemporaryDirectory() as scratch:
                tmp = Path(scratch)
                if store == "postgresql":
                    os.environ["CENTRAL_HUB_POSTGRES_SERVER"] = args.postgres
                url = "" if store == "postgresql" else f"sqlite:///{tmp / 'county.db'}"
                elapsed = one_run(
                    tmp,
                    database_url=url,
                    workers=workers,
                    nodes=args.nodes,
                    events_each=each,
                )
                os.environ.pop("CENTRAL_HUB_POSTGRES_SERVER", None)
            if store == "postgresql":
                drop_databases_except(args.postgres, kept)
            rates[(store, workers)].append(total / elapsed)
            line = {"bench": "workers", "store": store, "workers": workers, "nodes": args.nodes}
            line |= {"events": total, "seconds": round(elapsed, 3), "run": run}
            line |= {"events_per_s": round(total / elapsed), "machine": info}
            print(json.dumps(line), flush=True)
    baseline = median(rates[("sqlite", 1)])
    for (store, workers), values in rates.items():
        summary = {"bench": "workers_summary", "store": store, "workers": workers}
        summary |= {"nodes": args.nodes, "events": total, "runs": args.runs}
        summary |= {
            "median_events_per_s": round(median(values)),
            "baseline_median_events_per_s": round(baseline),
            "ratio": round(median(values) / baseline, 3),
            "baseline": "1 worker on SQLite, same nodes and events",
            "machine": info,
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
