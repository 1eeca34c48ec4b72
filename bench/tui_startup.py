"""Benchmark: the clerk's window — cold start, keystroke latency with 100,000 cases, memory.

1. Cold start: a fresh Python process per run opens the window on a node home and stops as
   soon as the first screen (sign-in) takes input; timed from just before the process is
   spawned. Also says whether httpx was imported by then (it should not be).
2. Keystrokes: one process opens the window on a node home with N local cases, signs in,
   opens the case list and types into its search field. For each key: "echo" is until the
   field shows the key, "results" until the list shows the rows for the new text.
3. Memory: the peak resident size (VmHWM) of each of those processes.

Prints one JSON line per measurement and a summary line (targets in docs/BRIEF: cold start
≤ 1.0 s, keystroke ≤ 50 ms, peak memory ≤ 120 MB):
    .venv/bin/python bench/tui_startup.py --cases 100000 --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine, median  # noqa: E402

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
# What a clerk types: a Yi family name growing and shrinking, then an ID number's start.
KEYS = (*"吉克", "backspace", "backspace", *"阿苏", "backspace", "backspace", *"5134311")

_COLD = """
import json, os, sys, time
sys.path.insert(0, {root!r})
from township_node.app import TownshipApp

def peak_mb():
    # VmHWM, not getrusage: Linux carries ru_maxrss over exec from the (big) parent.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

async def ready(pilot):
    took = time.time() - float(os.environ["BENCH_SPAWNED_AT"])
    print(json.dumps({{
        "seconds": took,
        "screen": type(pilot.app.screen).__name__,
        "httpx_loaded": "httpx" in sys.modules,
        "maxrss_mb": peak_mb(),
    }}), flush=True)
    pilot.app.exit()

TownshipApp(__import__("pathlib").Path({home!r}), sync_interval=0, lock_after=0).run(
    headless=True, size=(80, 24), auto_pilot=ready
)
"""


def cold_start(home: Path, runs: int) -> list[dict[str, object]]:
    results = []
    for _ in range(runs):
        env = os.environ | {"BENCH_SPAWNED_AT": repr(time.time())}
        out = subprocess.run(
            [sys.executable, "-c", _COLD.format(root=str(ROOT), home=str(home))],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def keystrokes(home: Path) -> dict[str, object]:
    """Runs the typing measurement in a fresh process, so its peak memory is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--typing-child", str(home)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


class _FullCollections:
    """Times each generation-2 collection: the pause the window holds off while typing."""

    def __init__(self) -> None:
        self.full_ms: list[float] = []
        self._began = 0.0

    def note(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.full_ms.append(round(1000 * (time.perf_counter() - self._began), 1))


def _typing_child(home: Path) -> None:
    import asyncio
    import gc

    from textual import events
    from textual.widgets import Input

    from bench.tui_fill import ADMIN_PIN
    from township_node.app import TownshipApp
    from township_node.screens import CasesScreen

    collections = _FullCollections()

    async def run() -> dict[str, object]:
        app = TownshipApp(home, sync_interval=0, lock_after=0, clock=lambda: NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*ADMIN_PIN, "enter")
            await pilot.press("f4")
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CasesScreen)
            field = screen.query_one("#case-search", Input)
            echo, results = [], []
            gc.callbacks.append(collections.note)
            for key in KEYS:
                began = time.perf_counter()
                char = key if len(key) == 1 else None
                app._driver.send_message(events.Key(key, char))  # as the terminal would
                expected = field.value[:-1] if key == "backspace" else field.value + key
                while field.value != expected:
                    await asyncio.sleep(0.0002)
                echo.append(time.perf_counter() - began)
                while screen._filter.text != expected or screen._loading:
                    await asyncio.sleep(0.0002)
                results.append(time.perf_counter() - began)
                await pilot.pause()
            gc.callbacks.remove(collections.note)
            rows = screen.query_one("#case-table").row_count
        return {
            "echo_s": echo,
            "results_s": results,
            "rows_shown_last": rows,
            "full_gc_while_typing_ms": collections.full_ms,
        }

    measured = asyncio.run(run())
    measured["maxrss_mb"] = _peak_mb()
    print(json.dumps(measured), flush=True)


def _peak_mb() -> float:
    """This process's peak resident size. VmHWM, not getrusage's ru_maxrss: Linux carries
    ru_maxrss over exec from the parent, which here holds 100,000 cases being written."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--typing-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.typing_child:
        _typing_child(args.typing_child)
        return

    from bench.tui_fill import fill_home

    with tempfile.TemporaryDirectory() as folder:
        empty = fill_home(Path(folder) / "empty", 0, now=NOW)
        began = time.perf_counter()
        full = fill_home(Path(folder) / "full", args.cases, now=NOW)
        fill_seconds = time.perf_counter() - began
        cold_empty = cold_start(empty, args.runs)
        cold_full = cold_start(full, args.runs)
        typing = keystrokes(full)

    for label, runs in (("cold_start_empty", cold_empty), ("cold_start_full", cold_full)):
        for run in runs:
            print(json.dumps({"bench": label, **run}), flush=True)
    per_key = [
        {"key": key, "echo_ms": round(1000 * e, 1), "results_ms": round(1000 * r, 1)}
        for key, e, r in zip(KEYS, typing.pop("echo_s"), typing.pop("results_s"), strict=True)  # type: ignore[call-overload]
    ]
    typing["echo_s"] = [k["echo_ms"] / 1000 for k in per_key]
    typing["results_s"] = [k["results_ms"] / 1000 for k in per_key]
    keystrokes_line = {
        "bench": "keystrokes",
        "cases": args.cases,
        "keys": per_key,
        "rows_shown_last": typing["rows_shown_last"],
        "full_gc_while_typing_ms": typing["full_gc_while_typing_ms"],
        "maxrss_mb": typing["maxrss_mb"],
    }
    print(json.dumps(keystrokes_line, ensure_ascii=False), flush=True)
    summary = {
        "bench": "tui_summary",
        "cases": args.cases,
        "fill_seconds": round(fill_seconds, 1),
        "cold_start_s_median": round(median([r["seconds"] for r in cold_empty]), 3),  # type: ignore[misc]
        "cold_start_s_median_with_cases": round(median([r["seconds"] for r in cold_full]), 3),  # type: ignore[misc]
        "httpx_loaded_at_first_screen": any(r["httpx_loaded"] for r in cold_full),
        "keystroke_echo_ms_median": round(1000 * median(typing["echo_s"]), 1),  # type: ignore[arg-type]
        "keystroke_echo_ms_max": round(1000 * max(typing["echo_s"]), 1),  # type: ignore[type-var]
        "keystroke_results_ms_median": round(1000 * median(typing["results_s"]), 1),  # type: ignore[arg-type]
        "keystroke_results_ms_max": round(1000 * max(typing["results_s"]), 1),  # type: ignore[type-var]
        "peak_memory_mb": round(
            max(typing["maxrss_mb"], *(r["maxrss_mb"] for r in cold_full)),  # type: ignore[type-var]
            1,
        ),
        "targets": {"cold_start_s": 1.0, "keystroke_ms": 50, "peak_memory_mb": 120},
        "machine": machine(),
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
