"""Benchmark: sync N events node → county hub on loopback, end to end, against PouchDB.

Each run builds a fresh county hub (a real uvicorn process) and a fresh node, records N
events through the node's own CaseBook (not timed), then times one `sync_once`: cutting
batches, signing, sealing, HTTP, the hub's verify/decrypt/apply, and the receipts. One more
run goes through a recording TCP proxy to count every byte on the wire (HTTP included).

The rate counts what arrived, not what went: `events` is the unique events the hub holds
afterwards, `events_sent` what the node put on the wire (a batch sent twice counts twice
there), `cases` the cases those events make. A PouchDB document is one whole case, so
`cases_per_s` is the figure to set beside the peer's `docs_per_s`.

The baseline, in the same run and alternating with ours (peer, ours, peer, ours …) so that
load from elsewhere hits both alike: the node's very cases, one document each (applicant,
item, status, timestamps), replicated by PouchDB to a CouchDB-protocol server
(express-pouchdb on LevelDB, its own node process) with batches of 1,000 and keep-alive.
It needs `npm ci --prefix bench/pouchdb` once; without it the peer is skipped, said so.

Prints one JSON line per run and a summary line with medians, ranges and the ratio:
    .venv/bin/python bench/sync_throughput.py --events 10000 100000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import casework  # noqa: E402
from bench.machine import machine, median  # noqa: E402
from central_hub.enrollment import issue_code  # noqa: E402
from central_hub.home import init_home as init_hub  # noqa: E402
from central_hub.home import open_home as open_hub  # noqa: E402
from sync_protocol import HubClient  # noqa: E402
from tests.conftest import start_hub  # noqa: E402
from tests.factories import applicant_stream  # noqa: E402
from tests.proxy import RecordingProxy  # noqa: E402
from township_node.casebook import CaseBook  # noqa: E402
from township_node.catalog import current_catalog  # noqa: E402
from township_node.enrollment import enroll  # noqa: E402
from township_node.home import init_home as init_node  # noqa: E402
from township_node.sync import sender, sync_once  # noqa: E402


def fill(home, n_events: int, *, open_cases: int = 1) -> None:
    """Records about n_events: five-event cases (accept, three steps, complete) and accepts.

    `open_cases` cases are worked on at once, a step each in turn, as a center works through
    its open cases day by day: with more than one, later batches mostly continue cases that
    earlier ones began. With one (the default), each case is finished before the next.
    """
    started = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    tick = iter(started + timedelta(seconds=i) for i in range(10**9))
    book = CaseBook(home, catalog=current_catalog(home), clock=lambda: next(tick))
    home.conn.execute("PRAGMA synchronous=OFF")  # filling is setup, not the measured part
    items = cycle(_township_items())
    applicants = applicant_stream()
    working: deque[str] = deque()
    recorded = 0
    while recorded < n_events:
        if len(working) < open_cases:
            name, id_number, phone = next(applicants)
            case = book.accept(
                item_code=next(items).code,
                applicant_name=name,
                id_number=id_number,
                phone=phone,
                clerk_id="bench",
            )
            working.append(case.case_no)
            recorded += 1
            continue
        case_no = working.popleft()
        if action := _next_action(book, case_no):
            granted = {"result_code": "granted", "result_label": "准予"}
            payload = granted if action == "complete" else {}
            book.act(case_no, action, clerk_id="bench", payload=payload)
            working.append(case_no)
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
        delivered, cases = _delivered(Path(tmp) / "county")
    result = {
        "bench": "sync_throughput",
        "system": "ours",
        "events": delivered,
        "events_sent": report.events_sent,
        "cases": cases,
        "batches": report.batches_sent,
        "seconds": round(elapsed, 3),
        "events_per_s": round(delivered / elapsed),
        "cases_per_s": round(cases / elapsed),
        "sealed_bytes_per_event": round(report.bytes_sent / delivered, 1),
        "window": window,
    }
    if proxy:
        wire = len(proxy.upstream_bytes()) + len(proxy.downstream_bytes())
        result["wire_bytes_per_event"] = round(wire / delivered, 1)
        result["upstream_wire_bytes_per_event"] = round(len(proxy.upstream_bytes()) / delivered, 1)
    return result


def _delivered(hub_path: Path) -> tuple[int, int]:
    """Unique events and cases the hub holds (events are keyed by their id there)."""
    home = open_hub(hub_path)
    try:
        with home.engine.connect() as conn:
            events, cases = conn.exec_driver_sql(
                "SELECT count(DISTINCT event_id), count(DISTINCT case_id) FROM events"
            ).one()
    finally:
        home.close()
    return int(events), int(cases)


PEER = ROOT / "bench" / "pouchdb"


def peer_ready() -> bool:
    return shutil.which("node") is not None and (PEER / "node_modules" / "pouchdb-node").exists()


def peer_run(n_events: int) -> dict:
    """PouchDB replicating the node's cases, one document a case, to express-pouchdb."""
    with tempfile.TemporaryDirectory() as tmp:
        node = init_node(Path(tmp) / "node", center_code="513431100", name="新城镇")
        fill(node, n_events)
        docs = Path(tmp) / "docs.json"
        docs.write_text(json.dumps(_case_documents(node), ensure_ascii=False), encoding="utf-8")
        node.close()
        server = subprocess.Popen(
            ["node", str(PEER / "peer.js"), "serve", str(Path(tmp) / "server")],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = json.loads(server.stdout.readline())["port"]
            done = subprocess.run(
                [
                    "node",
                    str(PEER / "peer.js"),
                    "replicate",
                    str(docs),
                    f"http://127.0.0.1:{port}/county",
                    str(Path(tmp)),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            server.terminate()
            server.wait(10)
    figure = json.loads(done.stdout.splitlines()[-1])
    return {
        "bench": "sync_throughput",
        "system": "pouchdb_tuned",
        "cases": figure["docs"],
        "seconds": round(figure["seconds"], 3),
        "cases_per_s": round(figure["docs_per_s"]),
        "doc_bytes": figure["doc_bytes"],
    }


def _case_documents(node) -> list[dict]:
    """One document per case, as a PouchDB app would keep it: the case's row, whole."""
    conn = node.conn
    columns = [
        "case_id",
        "case_no",
        "item_code",
        "category",
        "status",
        "applicant_name",
        "id_number",
        "phone",
        "accepted_at",
        "updated_at",
        "due_date",
    ]
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM cases ORDER BY case_no")
    return [{"_id": row[0], **dict(zip(columns[1:], row[1:], strict=True))} for row in rows]


def _spread(values: list[float]) -> list[float]:
    return [round(min(values)), round(max(values))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=2, help="batches in flight")
    parser.add_argument("--no-peer", action="store_true", help="skip the PouchDB baseline")
    parser.add_argument(
        "--resumable-above",
        type=int,
        default=sender.RESUMABLE_ABOVE,
        help="sealed bytes above which a batch goes up as a resumable upload (the node's rule)",
    )
    args = parser.parse_args()
    sender.RESUMABLE_ABOVE = args.resumable_above  # the node runs in this process
    info = machine()
    with_peer = not args.no_peer and peer_ready()
    if not args.no_peer and not with_peer:
        print(
            json.dumps(
                {"bench": "sync_throughput", "peer": "skipped: npm ci --prefix bench/pouchdb"}
            )
        )
    for n in args.events:
        runs, peers = [], []
        for i in range(args.runs):
            if with_peer:
                peer = peer_run(n) | {"events_recorded": n, "run": i + 1, "machine": info}
                print(json.dumps(peer, ensure_ascii=False), flush=True)
                peers.append(peer)
            run = one_run(n, through_proxy=False, window=args.window) | {
                "run": i + 1,
                "machine": info,
            }
            print(json.dumps(run, ensure_ascii=False), flush=True)
            runs.append(run)
        wire = one_run(n, through_proxy=True) | {"run": "wire", "machine": info}
        print(json.dumps(wire, ensure_ascii=False), flush=True)
        summary = {
            "bench": "sync_throughput_summary",
            "events_recorded": n,
            "runs": args.runs,
            "resumable_above": args.resumable_above,
            "median_events_per_s": round(median([r["events_per_s"] for r in runs])),
            "events_per_s_range": _spread([r["events_per_s"] for r in runs]),
            "median_cases_per_s": round(median([r["cases_per_s"] for r in runs])),
            "cases_per_s_range": _spread([r["cases_per_s"] for r in runs]),
            "median_seconds": median([r["seconds"] for r in runs]),
            "runs_with_events_sent_twice": sum(r["events_sent"] > r["events"] for r in runs),
            "wire_bytes_per_event": wire["wire_bytes_per_event"],
            "upstream_wire_bytes_per_event": wire["upstream_wire_bytes_per_event"],
            "sealed_bytes_per_event": wire["sealed_bytes_per_event"],
            "batches": wire["batches"],
        }
        if peers:
            peer_rate = median([p["cases_per_s"] for p in peers])
            summary |= {
                "baseline": "PouchDB → express-pouchdb, batch 1000, keep-alive, one doc a case",
                "baseline_median_cases_per_s": round(peer_rate),
                "baseline_cases_per_s_range": _spread([p["cases_per_s"] for p in peers]),
                "ratio_per_case": round(summary["median_cases_per_s"] / peer_rate, 2),
                # Each alternated pair's own ratio: steadier on a shared machine.
                "median_pair_ratio_per_case": round(
                    median(
                        [
                            r["cases_per_s"] / p["cases_per_s"]
                            for r, p in zip(runs, peers, strict=True)
                        ]
                    ),
                    2,
                ),
            }
        print(json.dumps(summary | {"machine": info}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
