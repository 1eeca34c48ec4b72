"""Benchmark: the cost of ``casework.apply_event``, which the hub calls for every event it ingests.

Measures, in microseconds per event (median of --runs runs over --cases cases each):
  * ``accept``: a new case from a realistic accept payload (sample catalog items, the sample
    applicants, so resident-ID, name and phone validation all run);
  * ``handle``, ``review``, ``approve``, ``complete``: one step applied to a case just before it;
  * ``fold5``: the whole five-event case (accept → handle → review → approve → complete), per
    case and per event.

Timestamps are prepared as aware UTC datetimes, as ``sync_protocol.parse_timestamp`` gives them,
so only casework is timed. Prints one JSON line per figure:
    .venv/bin/python bench/casework_fold.py --cases 5000 --runs 9
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import casework  # noqa: E402
from bench.machine import machine, median  # noqa: E402

Event = tuple[str, str, Mapping[str, Any], datetime]
STEPS: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("handle", {}),
    ("review", {"note": "材料齐全"}),
    ("approve", {}),
    ("complete", {"result_code": "granted", "result_label": "准予许可"}),
)
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Liangshan, a Monday


def five_step_cases(n_cases: int) -> list[list[Event]]:
    """Return n_cases five-event cases over the sample catalog's five-step items and people."""
    catalog = casework.load_sample_catalog()
    codes = [code for code, item in catalog.items.items() if item.workflow == "five_step"]
    items, people = cycle(codes), cycle(range(len(casework.SAMPLE_APPLICANTS)))
    cases = []
    for n in range(n_cases):
        case_id, start = f"case-{n:06d}", T0 + timedelta(seconds=37 * n)
        accept = casework.sample_accept_payload(
            next(items),
            case_no=f"513431100-261102-A1-{n:06d}",
            center_code="513431100",
            applicant=next(people),
        )
        steps = [("accept", accept), *STEPS]
        cases.append(
            [(case_id, t, p, start + timedelta(minutes=5 * i)) for i, (t, p) in enumerate(steps)]
        )
    return cases


def apply(state: casework.CaseState | None, event: Event) -> casework.CaseState:
    case_id, type, payload, occurred_at = event
    return casework.apply_event(
        state, case_id=case_id, type=type, payload=payload, occurred_at=occurred_at
    )


def time_runs(work: Callable[[], object], runs: int) -> list[float]:
    """Return the wall time in seconds of each of ``runs`` calls of ``work``, after a warm-up."""
    work()
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def figure(name: str, times: Sequence[float], per_run: int, **extra: object) -> dict[str, Any]:
    per_event = [t / per_run * 1e6 for t in times]
    return {
        "bench": "casework_fold",
        "figure": name,
        "us_per_event": round(median(per_event), 3),
        "events_per_s": round(1e6 / median(per_event)),
        "runs_us": [round(u, 3) for u in per_event],
        "events_per_run": per_run,
        **extra,
    }


def bench_steps(cases: list[list[Event]], runs: int) -> list[dict[str, Any]]:
    """Times each event type on states prepared just before it."""
    states: list[casework.CaseState | None] = [None] * len(cases)
    results = []
    for position in range(5):
        events = [case[position] for case in cases]
        before = list(states)

        def step(events: list[Event] = events, before: list[Any] = before) -> None:
            for state, event in zip(before, events, strict=True):
                apply(state, event)

        results.append(figure(events[0][1], time_runs(step, runs), len(events)))
        states = [apply(s, e) for s, e in zip(before, events, strict=True)]
    return results


def bench_fold(cases: list[list[Event]], runs: int) -> dict[str, Any]:
    def fold_all() -> None:
        for case in cases:
            casework.fold(case)

    events = sum(len(case) for case in cases)
    result = figure("fold5", time_runs(fold_all, runs), events)
    result["us_per_case"] = round(result["us_per_event"] * 5, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    cases = five_step_cases(args.cases)
    print(json.dumps({"bench": "casework_fold", "machine": machine(), **vars(args)}))
    for result in (*bench_steps(cases, args.runs), bench_fold(cases, args.runs)):
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
