"""Benchmark: events/s township → county → prefecture, against one POST of JSON per event.

Ours: a prefecture hub and a linked county hub run as real uvicorn processes; a node
records N events through its own case book (not timed). Timed: one `sync_once` to the
county (batches signed, sealed, two in flight), then forwarding rounds to the prefecture
(what `central-hub forward` runs) until nothing is left; the prefecture must then hold
all N events.

Baseline, in the same run and on the same stack (bench/naive_app.py, Starlette under
uvicorn, SQLite with the hubs' durability): each of the same N events, as the same plain
JSON line, POSTed one at a time to a naive county, which inserts its row and POSTs it on to
a naive prefecture before answering.

One more run of each through a recording TCP proxy between township and county counts
every byte on that hop (HTTP included). Prints one JSON line per run and a summary with
medians and the ratios:
    .venv/bin/python bench/end_to_end.py --events 10000 --runs 3
    .venv/bin/python bench/end_to_end.py --store postgresql --postgres URL
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.machine import add_store_arguments, machine, median  # noqa: E402
from bench.sync_throughput import fill  # noqa: E402
from central_hub.enrollment import issue_code  # noqa: E402
from central_hub.forwarding import forward_round, link_upstream  # noqa: E402
from central_hub.home import init_home as init_hub  # noqa: E402
from central_hub.home import open_home as open_hub  # noqa: E402
from central_hub.store import events  # noqa: E402
from sync_protocol import HubClient  # noqa: E402
from tests.conftest import free_port, start_hub  # noqa: E402
from tests.postgres import drop_databases_except, hub_databases  # noqa: E402
from tests.proxy import RecordingProxy  # noqa: E402
from township_node.enrollment import enroll  # noqa: E402
from township_node.home import init_home as init_node  # noqa: E402
from township_node.sync import sync_once  # noqa: E402

TOWNSHIP, COUNTY, PREFECTURE = "513431100", "513431", "513400"


def ours(tmp: Path, n_events: int, *, through_proxy: bool) -> dict[str, Any]:
    prefecture_home = init_hub(tmp / "pref", tier="prefecture", org_code=PREFECTURE, name="州")
    link_code = issue_code(prefecture_home, center_code=COUNTY)
    prefecture_home.close()
    prefecture = start_hub(tmp / "pref")
    county = proxy = None
    try:
        county_home = init_hub(tmp / "county", tier="county", org_code=COUNTY, name="县")
        with HubClient(prefecture.url) as client:
            link_upstream(county_home, client, link_code)
        node_code = issue_code(county_home, center_code=TOWNSHIP)
        county = start_hub(tmp / "county", forward_interval=0)
        proxy = RecordingProxy("127.0.0.1", county.port).start() if through_proxy else None
        node = init_node(tmp / "node", center_code=TOWNSHIP, name="镇")
        with HubClient(proxy.url if proxy else county.url) as client:
            enroll(node, client, node_code)
            fill(node, n_events)
            started = time.perf_counter()
            report = sync_once(node, client, window=2)
            synced = time.perf_counter()
        with HubClient(prefecture.url) as upstream:
            while forward_round(county_home, upstream).batches:
                pass
        elapsed = time.perf_counter() - started
        node.close()
        county_home.close()
        arrived = _hub_event_count(tmp / "pref")
    finally:
        for process in (county, prefecture):
            if process:
                process.stop()
        if proxy:
            proxy.stop()
    if arrived != n_events:
        raise SystemExit(f"ours: prefecture holds {arrived} of {n_events} events")
    result = {
        "events": n_events,
        # More than `events` when a batch was sent again (an answer lost or too late).
        "events_sent": report.events_sent,
        "seconds": round(elapsed, 3),
        "events_per_s": round(n_events / elapsed),
        "sync_s": round(synced - started, 3),
        "forward_s": round(elapsed - (synced - started), 3),
    }
    if proxy:
        result["wire_bytes_per_event"] = round(_wire(proxy) / n_events, 1)
    return result


def _hub_event_count(home: Path) -> int:
    hub = open_hub(home)
    try:
        with hub.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())
    finally:
        hub.close()


def _wire(proxy: RecordingProxy) -> int:
    return len(proxy.upstream_bytes()) + len(proxy.downstream_bytes())


def naive(tmp: Path, bodies: list[bytes], *, through_proxy: bool) -> dict[str, Any]:
    prefecture = _start_naive(tmp / "naive-pref.db")
    county = proxy = None
    try:
        county = _start_naive(tmp / "naive-county.db", upstream=prefecture[1])
        proxy = RecordingProxy("127.0.0.1", county[2]).start() if through_proxy else None
        headers = {"content-type": "application/json"}
        with httpx.Client(base_url=proxy.url if proxy else county[1], timeout=30) as client:
            started = time.perf_counter()
            for body in bodies:
                client.post("/events", content=body, headers=headers).raise_for_status()
            elapsed = time.perf_counter() - started
        arrived = httpx.get(f"{prefecture[1]}/healthz", timeout=10).json()["events"]
    finally:
        for started_app in (county, prefecture):
            if started_app:
                started_app[0].terminate()
                started_app[0].wait(10)
        if proxy:
            proxy.stop()
    if arrived != len(bodies):
        raise SystemExit(f"naive: prefecture holds {arrived} of {len(bodies)} events")
    result = {
        "events": len(bodies),
        "seconds": round(elapsed, 3),
        "events_per_s": round(len(bodies) / elapsed),
    }
    if proxy:
        result["wire_bytes_per_event"] = round(_wire(proxy) / len(bodies), 1)
    return result


def _start_naive(db: Path, *, upstream: str = "") -> tuple[subprocess.Popen[bytes], str, int]:
    port = free_port()
    program = [sys.executable, str(ROOT / "bench" / "naive_app.py"), "--db", str(db)]
    process = subprocess.Popen([*program, "--port", str(port), "--upstream", upstream], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url, port
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the naive app did not start")


def event_bodies(tmp: Path, n_events: int) -> list[bytes]:
    """The same kind of events as ours records, each its plain canonical JSON line."""
    node = init_node(tmp / "naive-node", center_code=TOWNSHIP, name="镇")
    fill(node, n_events)
    bodies = [bytes(row[0]) for row in node.conn.execute("SELECT body FROM events ORDER BY seq")]
    node.close()
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    add_store_arguments(parser)
    args = parser.parse_args()
    info = machine()
    if args.store == "postgresql":
        if not args.postgres:
            print(json.dumps({"bench": "end_to_end", "skipped": "no --postgres server"}))
            return
        # Every hub this process creates gets a fresh database on that server, dropped
        # after its run.
        os.environ["CENTRAL_HUB_POSTGRES_SERVER"] = args.postgres
        kept = hub_databases(args.postgres)
    else:
        os.environ.pop("CENTRAL_HUB_POSTGRES_SERVER", None)
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "naive": []}
    wire: dict[str, dict[str, Any]] = {}
    for i in range(args.runs + 1):
        through_proxy = i == args.runs  # the last run of each counts bytes, untimed
        for system in ("ours", "naive"):  # alternated, so load on the machine hits both
            try:
                with tempfile.TemporaryDirectory() as scratch:
                    tmp = Path(scratch)
                    if system == "ours":
                        result = ours(tmp, args.events, through_proxy=through_proxy)
                    else:
                        bodies = event_bodies(tmp, args.events)
                        result = naive(tmp, bodies, through_proxy=through_proxy)
            finally:
                if args.store == "postgresql":
                    drop_databases_except(args.postgres, kept)
            line = {"bench": "end_to_end", "system": system, "store": args.store}
            line |= result | {"run": "wire" if through_proxy else i + 1, "machine": info}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            if through_proxy:
                wire[system] = result
            else:
                runs[system].append(result)
    ours_rate = median([r["events_per_s"] for r in runs["ours"]])
    naive_rate = median([r["events_per_s"] for r in runs["naive"]])
    summary = {
        "bench": "end_to_end_summary",
        "store": args.store,
        "events": args.events,
        "runs": args.runs,
        "median_events_per_s": round(ours_rate),
        "baseline_median_events_per_s": round(naive_rate),
        "ratio": round(ours_rate / naive_rate, 2),
        "wire_bytes_per_event": wire["ours"]["wire_bytes_per_event"],
        "baseline_wire_bytes_per_event": wire["naive"]["wire_bytes_per_event"],
        "wire_ratio": round(
            wire["ours"]["wire_bytes_per_event"] / wire["naive"]["wire_bytes_per_event"], 3
        ),
        "baseline": "one POST of plain JSON per event, county inserts and POSTs it on",
        "machine": info,
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
