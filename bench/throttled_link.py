"""Benchmark: a busy township's day crosses a bad link (issue 5; BRIEF target: under 30 s).

Each run builds a fresh county hub (a real uvicorn process) and node, and records a busy
day at the window: 300 cases with varied applicants, each accepted, sometimes sent for
supplements (补正), moved through its steps, completed and mostly delivered: about 1,500
events. Then the node syncs to the hub through the fault proxy (tests/faults) shaped as
a township's line: 64 kbit/s each way (shared by all connections), 150 ms each way (300 ms
round trip), and 5% of exchanges (a request and its answer) cut mid-transfer, half while
uploading, half while answering. Rounds run back to back through `run_round`, the entry
point of `township-node sync`, until one succeeds. Timed: from the first round to the
last; recording is not timed. Every run checks that each event arrived exactly once.

Prints one JSON line per run and a summary line with medians:
    .venv/bin/python bench/throttled_link.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import casework  # noqa: E402
from bench.machine import machine, median  # noqa: E402
from tests.factories import applicant_stream  # noqa: E402
from tests.faults import FaultKind, FaultPlan, FaultProxy, Link  # noqa: E402
from tests.faults.network import (  # noqa: E402
    assert_exactly_once,
    build_network,
    point_node_at,
)
from township_node.casebook import CaseBook  # noqa: E402
from township_node.catalog import available_items, center_level, current_catalog  # noqa: E402
from township_node.errors import SyncFailed  # noqa: E402
from township_node.home import open_home  # noqa: E402
from township_node.sync import run_round, sender  # noqa: E402

KBIT_64 = 64_000 // 8  # bytes per second
ONE_WAY = 0.150
CUT_RATE = 0.05
MAX_ROUNDS = 50
_STEPS = ("handle", "review", "approve", "review_and_approve")
_MATERIALS = ["户口簿复印件", "村委会证明"]


def record_day(node: Path, *, cases: int, seed: int) -> int:
    """Records a busy day at one window; returns the number of events."""
    rng = random.Random(f"day:{seed}")
    applicants = applicant_stream(seed)
    with open_home(node) as home:
        book = CaseBook(home, catalog=current_catalog(home), center_level=center_level(home))
        items = available_items(home)
        for _ in range(cases):
            _one_case(book, rng, rng.choice(items).code, next(applicants))
        return int(home.conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _one_case(book: CaseBook, rng: random.Random, item_code: str, applicant: tuple) -> None:
    name, id_number, phone = applicant
    clerk = f"clerk-{rng.randint(1, 4)}"
    case_no = book.accept(
        item_code=item_code,
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        clerk_id=clerk,
    ).case_no
    if rng.random() < 0.3:
        book.act(case_no, "request_supplement", clerk_id=clerk, payload={"materials": _MATERIALS})
        book.act(case_no, "receive_supplement", clerk_id=clerk, payload={"materials": _MATERIALS})
    while step := _next_step(book, case_no):
        book.act(case_no, step, clerk_id=clerk)
    book.act(
        case_no,
        "complete",
        clerk_id=clerk,
        payload={"result_code": "granted", "result_label": "准予许可"},
    )
    if rng.random() < 0.85:
        book.act(case_no, "deliver", clerk_id=clerk)


def _next_step(book: CaseBook, case_no: str) -> str | None:
    legal = casework.legal_actions(book.state(case_no))
    return next((step for step in _STEPS if step in legal), None)


def sync_over_link(node: Path) -> tuple[int, float]:
    """Runs rounds back to back until one succeeds; returns (rounds, seconds)."""
    start = time.perf_counter()
    with open_home(node) as home:
        for round_no in range(1, MAX_ROUNDS + 1):
            try:
                run_round(home)
                return round_no, time.perf_counter() - start
            except SyncFailed as exc:
                if exc.exit_code != 3:
                    raise
    raise RuntimeError(f"no round succeeded in {MAX_ROUNDS}")


def one_run(seed: int, *, cases: int) -> dict:
    plan = FaultPlan(
        seed=seed,
        rates={
            FaultKind.TRUNCATE_REQUEST: CUT_RATE / 2,
            FaultKind.RESET_RESPONSE: CUT_RATE / 2,
        },
    )
    link = Link(latency=ONE_WAY, up_bytes_per_second=KBIT_64, down_bytes_per_second=KBIT_64)
    hubs: list = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            network = build_network(Path(tmp), hubs)
            events = record_day(network.node, cases=cases, seed=seed)
            with FaultProxy(network.county.port, plan=plan, link=link) as proxy:
                point_node_at(network.node, proxy.url)
                rounds, seconds = sync_over_link(network.node)
                stats = proxy.stats.snapshot()
            assert_exactly_once(network.node, network.county.home)
            batch_bytes = _batch_bytes(network.node)
        finally:
            for hub in hubs:
                hub.stop()
    wire = stats["bytes_up"] + stats["bytes_down"]
    return {
        "bench": "throttled_link",
        "seed": seed,
        "cases": cases,
        "events": events,
        "seconds": round(seconds, 2),
        "rounds": rounds,
        "bytes_up": stats["bytes_up"],
        "bytes_down": stats["bytes_down"],
        "wire_bytes_per_event": round(wire / events, 1),
        "upstream_bytes_per_event": round(stats["bytes_up"] / events, 1),
        "compressed_batch_bytes": batch_bytes,
        "upload_overhead": round(stats["bytes_up"] / batch_bytes, 2),
        "exchanges": stats["exchanges"],
        "connections": stats["connections"],
        "faults": stats["faults"],
        "exactly_once": True,
        "link": {"kbit_s_each_way": KBIT_64 * 8 // 1000, "rtt_ms": 2 * ONE_WAY * 1000},
    }


def _batch_bytes(node: Path) -> int:
    with open_home(node) as home:
        return int(home.conn.execute("SELECT sum(length(body)) FROM batches").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1, help="first run's seed; then +1 per run")
    parser.add_argument(
        "--resumable-above",
        type=int,
        default=sender.RESUMABLE_ABOVE,
        help="sealed bytes above which a batch goes up as a resumable upload (the node's rule)",
    )
    args = parser.parse_args()
    sender.RESUMABLE_ABOVE = args.resumable_above  # the node runs in this process
    info = machine()
    runs = []
    for i in range(args.runs):
        run = one_run(args.seed + i, cases=args.cases) | {"run": i + 1, "machine": info}
        print(json.dumps(run, ensure_ascii=False), flush=True)
        runs.append(run)
    summary = {
        "bench": "throttled_link_summary",
        "runs": args.runs,
        "target_seconds": 30,
        "resumable_above": args.resumable_above,
        **{
            f"median_{key}": median([r[key] for r in runs])
            for key in ("events", "seconds", "rounds", "bytes_up", "bytes_down")
        },
        "median_wire_bytes_per_event": median([r["wire_bytes_per_event"] for r in runs]),
        "median_upload_overhead": median([r["upload_overhead"] for r in runs]),
        "faults_total": _sum_faults(runs),
        "machine": info,
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)


def _sum_faults(runs: list[dict]) -> dict[str, int]:
    total: dict[str, int] = {}
    for run in runs:
        for kind, n in run["faults"].items():
            total[kind] = total.get(kind, 0) + n
    return total


if __name__ == "__main__":
    main()
