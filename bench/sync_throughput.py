"""Benchmark: sync N events node → county hub on loopback, end to end.

Each run builds a fresh county hub (a real uvicorn process) and a fresh node, records N
events through the node's own CaseBook (not timed), then times one `sync_once`: cutting
batches, signing, sealing, HTTP, the hub's verify/decrypt/apply, and the receipts. One more
run goes through a recording TCP proxy to count every byte on the wire (HTTP included).

Prints one JSON line per run and a summary line with medians:
    .venv/bin/python bench/sync_throughput.py --events 10000 100000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import casework  # noqa: E402
from bench.machine import machine, median  # noqa: E402
from central_hub.enrollment import issue_code  # noqa: E402
from central_hub.home import init_home as init_hub  # noqa: E402
from sync_protocol import HubClient  # noqa: E402
from tests.conftest import start_hub  # noqa: E402
from tests.factories import applicant_stream  # noqa: E402
from tests.proxy import RecordingProxy  # noqa: E402
from township_node.casebook import CaseBook  # noqa: E402
from township_node.catalog import current_catalog  # noqa: E402
from township_node.enrollment import enroll  # noqa: E402
from township_node.home import init_home as init_node  # noqa: E402
from township_node.sync import sync_once  # noqa: E402


def fill(home, n_events: int) -> None:
    """Records about n_events: five-event cases (accept, three steps, complete) and accepts."""
    started = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    tick = iter(started + timedelta(seconds=i) for i in range(10**9))
    book = CaseBook(home, catalog=current_catalog(home), clock=lambda: next(tick))
    home.conn.execute("PRAGMA synchronous=OFF")  # filling is setup, not the measured part
    items = cycle(_township_items())
    applicants = applicant_stream()
    recorded = 0
    while recorded < n_events:
        name, id_number, phone = next(applicants)
        case = book.accept(
            item_code=next(items).code,
            applicant_name=name,
            id_number=id_number,
            phone=phone,
            clerk_id="bench",
        )
        recorded += 1
        while recorded < n_events and (action := _next_action(book, case.case_no)):
            payload = (
                {"result_code": "granted", "result_label": "准予"} if action == "complete" else {}
            )
            book.act(case.case_no, action, clerk_id="bench", payload=payload)
            recorded += 1
    home.conn.execute("PRAGMA synchronous=FULL")


def _township_items() -> list:
    """Every item a township may accept today, so cases spread over the catalog."""
    from datetime import date

    return casework.load_sample_catalog().available_at("township", date.today())


_COMPLETION = {"result_code": "granted", "result_label": "准予许可"}


def _next_action(book: CaseBook, case_no: str) -> str | None:
    legal = casework.legal_actions(book.state(case_no))
    for action in ("handle", "review", "approve", "review_and_approve", "complete"):
        if action in legal:
            return action
    return None


def one_run(n_events: int, *, through_proxy: bool, window: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        hub_home = init_hub(
            Path(tmp) / "county", tier="county", org_code="513431", name="昭觉县政务服务中心"
        )
        code = issue_code(hub_home, center_code="513431100")
        hub_home.close()
        hub = start_hub(Path(tmp) / "county")
        proxy = RecordingProxy("127.0.0.1", hub.port).start() if through_proxy else None
        try:
            node = init_node(Path(tmp) / "node", center_code="513431100", name="新城镇")
            with HubClient(proxy.url if proxy else hub.url) as client:
                enroll(node, client, code)
                fill(node, n_events)
                start = time.perf_counter()
                report = sync_once(node, client, window=window)
                elapsed = time.perf_counter() - start
            node.close()
        finally:
            hub.stop()
            if proxy:
                proxy.stop()
    result = {
        "bench": "sync_throughput",
        "events": report.events_sent,
        "batches": report.batches_sent,
        "seconds": round(elapsed, 3),
        "events_per_s": round(report.events_sent / elapsed),
        "sealed_bytes_per_event": round(report.bytes_sent / report.events_sent, 1),
        "window": window,
    }
    if proxy:
        wire = len(proxy.upstream_bytes()) + len(proxy.downstream_bytes())
        result["wire_bytes_per_event"] = round(wire / report.events_sent, 1)
        result["upstream_wire_bytes_per_event"] = round(
            len(proxy.upstream_bytes()) / report.events_sent, 1
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=2, help="batches in flight")
    args = parser.parse_args()
    info = machine()
    for n in args.events:
        runs = []
        for i in range(args.runs):
            run = one_run(n, through_proxy=False, window=args.window) | {
                "run": i + 1,
                "machine": info,
            }
            print(json.dumps(run, ensure_ascii=False), flush=True)
            runs.append(run)
        wire = one_run(n, through_proxy=True) | {"run": "wire", "machine": info}
        print(json.dumps(wire, ensure_ascii=False), flush=True)
        print(
            json.dumps(
                {
                    "bench": "sync_throughput_summary",
                    "events": n,
                    "runs": args.runs,
                    "median_events_per_s": round(median([r["events_per_s"] for r in runs])),
                    "median_seconds": median([r["seconds"] for r in runs]),
                    "wire_bytes_per_event": wire["wire_bytes_per_event"],
                    "upstream_wire_bytes_per_event": wire["upstream_wire_bytes_per_event"],
                    "sealed_bytes_per_event": wire["sealed_bytes_per_event"],
                    "batches": wire["batches"],
                    "machine": info,
                },
                ensure_ascii=False,
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
