"""`make simulate`: a whole prefecture in a box, a simulated year on loopback.

The prefecture hub and one hub per county run as real `central-hub serve` processes; the
townships (304 from the fixture, or the seed's 548) are real node homes shared among a few
worker processes. Each township lives through the simulated year: cases at the seed's
volumes (times --scale), random link outages of hours to days, some townships on USB sticks
only. At the end: the prefecture's compliance summary, the reconciliation state per hub,
and an independent check that every event recorded by every node is at its county and at
the prefecture exactly once (exit 1 if not). One JSON line of figures goes to stdout and
to bench/results/.

Defaults (what `make simulate` runs): 304 townships, 365 days from 2025-01-01, scale 0.005
(~20,000 cases), each networked township syncing at the close of every 7th day (the real
scheduler tries every 5 minutes; one HTTP round costs ~0.1 s of a shared 2-core box, so a
daily round for 304 townships would not fit in minutes), 4 worker processes. Larger:

    .venv/bin/python bench/simulate.py --townships 548 --days 365 --scale 0.01 --sync-every 1
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from bench.machine import machine  # noqa: E402
from bench.simulation.hubs import start_network  # noqa: E402
from bench.simulation.summary import print_compliance, reconcile_states  # noqa: E402
from bench.simulation.verify import Verdict, verify, wait_for_forwarding  # noqa: E402
from bench.simulation.worker import Counters, WorkerJob, run_worker  # noqa: E402
from bench.simulation.world import Township, World, build_world  # noqa: E402
from sync_protocol import SUITES  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="simulate", description=__doc__.split("\n\n")[0])
    p.add_argument("--townships", type=int, default=304, help="304 (fixture) or 548 (seed)")
    p.add_argument("--counties", type=int, default=None, help="only the first N counties")
    p.add_argument("--days", type=int, default=365, help="simulated days (365)")
    p.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    p.add_argument(
        "--scale", type=float, default=0.005, help="fraction of the seed's ~4.05M cases a year"
    )
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--workers", type=int, default=4, help="township worker processes")
    p.add_argument(
        "--sync-every", type=int, default=7, help="a township syncs every Nth day's close (7)"
    )
    p.add_argument("--usb-share", type=float, default=0.05, help="share of USB-only townships")
    p.add_argument("--forward-interval", type=float, default=15.0, help="county → prefecture, s")
    p.add_argument(
        "--suite",
        choices=SUITES,
        default=SUITES[0],
        help="the prefecture's cipher suite, which its counties and townships follow",
    )
    p.add_argument("--workdir", type=Path, default=None, help="keep the homes here")
    p.add_argument("--no-results", action="store_true", help="do not write bench/results/")
    args = p.parse_args(argv)
    if not 1 <= args.townships <= 548 or args.days < 1 or not 0 < args.scale <= 10:
        p.error("--townships must be 1..548, --days at least 1, --scale in (0, 10]")
    if args.workers < 1 or args.sync_every < 1 or not 0 <= args.usb_share <= 1:
        p.error("--workers and --sync-every must be at least 1, --usb-share in [0, 1]")
    return args


def split(townships: tuple[Township, ...], workers: int) -> list[tuple[Township, ...]]:
    """Townships dealt to workers so each gets about the same number of cases."""
    shares: list[list[Township]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for township in sorted(townships, key=lambda t: t.weight, reverse=True):
        n = loads.index(min(loads))
        shares[n].append(township)
        loads[n] += township.weight
    return [tuple(share) for share in shares if share]


def run_year(world: World, jobs: list[WorkerJob], console: Console) -> Counters:
    """Runs the workers under a progress bar; returns their summed counters."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    processes = [ctx.Process(target=run_worker, args=(job, queue)) for job in jobs]
    for process in processes:
        process.start()
    latest = {job.worker: Counters() for job in jobs}
    done: set[int] = set()
    logged, step, last = 0, max(1, len(world.days) // 10), len(world.days)
    columns = (
        TextColumn("[bold cyan]模拟 simulating"),
        BarColumn(),
        TextColumn("第 {task.completed:.0f}/{task.total:.0f} 天 day"),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
    )
    finished = False
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("year", total=len(world.days), figures="")
            while len(done) < len(jobs):
                kind, worker, payload = queue.get(timeout=3600)
                if kind == "error":
                    raise RuntimeError(f"worker {worker} failed:\n{payload}")
                latest[worker] = payload
                if kind == "done":
                    done.add(worker)
                total = _sum(latest.values())
                day = min(c.day for c in latest.values())
                figures = (
                    f"办件 cases {total.cases:,}  事件 events {total.events:,}  "
                    f"已同步 synced {total.synced_events + total.usb_events:,}"
                )
                progress.update(task, completed=day, figures=figures)
                if not console.is_terminal and day > logged and (day % step == 0 or day == last):
                    logged = day  # a log file gets a line every tenth of the year
                    console.print(f"第 {day}/{len(world.days)} 天 day  {figures}")
        finished = True
    finally:
        for process in processes:
            if not finished:  # interrupted or a worker failed: stop the others now
                process.terminate()
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    failed = [p.exitcode for p in processes if p.exitcode]
    if failed:
        raise RuntimeError(f"worker processes exited with {failed}")
    return _sum(latest.values())


def _sum(counters: Any) -> Counters:
    total = Counters()
    for c in counters:
        for name in (
            "cases",
            "events",
            "synced_events",
            "usb_events",
            "sync_rounds",
            "usb_rounds",
            "skipped_offline",
            "failed_rounds",
            "refused_rounds",
            "window_errors",
        ):
            setattr(total, name, getattr(total, name) + getattr(c, name))
        total.problems += c.problems
    return total


@dataclass(frozen=True, slots=True)
class Outcome:
    figures: dict[str, Any]
    verdict: Verdict
    root: Path
    """Where the homes are (removed after the run unless --workdir was given)."""

    @property
    def clean(self) -> bool:
        return bool(self.figures["clean"])


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the hubs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    if not sys.stdout.isatty():  # a log file: tables as wide as they need, not 80 columns
        os.environ.setdefault("COLUMNS", "200")
    if args.workdir is None:  # a temporary one, removed however the run ends
        args.workdir = Path(tempfile.mkdtemp(prefix="township-sim-"))
        try:
            return _run(args)
        finally:
            shutil.rmtree(args.workdir, ignore_errors=True)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    outcome = simulate(args, Console(stderr=True))
    line = json.dumps(outcome.figures, ensure_ascii=False)
    print(line, flush=True)
    if not args.no_results:
        RESULTS.mkdir(exist_ok=True)
        name = f"simulate-{datetime.now():%Y%m%d-%H%M%S}.json"
        (RESULTS / name).write_text(line + "\n", encoding="utf-8")
    return 0 if outcome.clean else 1


def simulate(args: argparse.Namespace, console: Console) -> Outcome:
    """Builds the network, runs the year, checks and reports; the hubs are stopped after."""
    started = time.perf_counter()
    world = build_world(
        townships=args.townships,
        days=args.days,
        start=args.start,
        scale=args.scale,
        seed=args.seed,
        usb_share=args.usb_share,
        counties=args.counties,
    )
    root = args.workdir or Path(tempfile.mkdtemp(prefix="township-sim-"))
    root.mkdir(parents=True, exist_ok=True)
    members: dict[str, list[str]] = {}
    for township in world.townships:
        members.setdefault(township.county, []).append(township.code)
    usb = sum(t.usb_only for t in world.townships)
    console.print(
        f"[bold]一州 {len(members)} 县 {len(world.townships)} 乡镇（{usb} 个仅U盘）"
        f"{args.days} 天[/]  prefecture + {len(members)} county hubs, "
        f"{len(world.townships)} townships ({usb} USB-only), {args.days} days from "
        f"{args.start}, scale {args.scale} (~{world.cases_per_year:,.0f} cases/yr), in {root}"
    )
    network = start_network(root, members, forward_interval=args.forward_interval, suite=args.suite)
    try:
        jobs = [
            WorkerJob(
                worker=n,
                root=root,
                world=world,
                townships=share,
                county_urls={c: hub.url for c, hub in network.counties.items()},
                county_homes={c: hub.home for c, hub in network.counties.items()},
                codes=network.codes,
                seed=args.seed,
                sync_every=args.sync_every,
            )
            for n, share in enumerate(split(world.townships, args.workers))
        ]
        setup_s = time.perf_counter() - started
        year_started = time.perf_counter()
        totals = run_year(world, jobs, console)
        year_s = time.perf_counter() - year_started
        drain_s = wait_for_forwarding([hub.home for hub in network.counties.values()])
        county_of = {t.code: t.county for t in world.townships}
        verdict = verify(root, county_of)
        until = world.days[-1]
        console.print(f"\n[bold]州级合规情况 prefecture compliance, {args.start} – {until}[/]")
        total_row = print_compliance(root / "prefecture", since=args.start, until=until)
        homes = {f"县 county {c}": hub.home for c, hub in sorted(network.counties.items())}
        states = reconcile_states({"州 prefecture": root / "prefecture", **homes}, console)
    finally:
        network.stop()
    wall_s = time.perf_counter() - started
    report(console, verdict, totals, states)
    figures = _figures(args, world, totals, verdict, states, total_row, setup_s, year_s, drain_s)
    figures["wall_s"] = round(wall_s, 1)
    return Outcome(figures, verdict, root)


def report(
    console: Console, verdict: Verdict, totals: Counters, states: dict[str, dict[str, int]]
) -> None:
    for problem in [*totals.problems, *verdict.problems]:
        console.print(f"[red]✗ {problem}[/]")
    tiers = (("县 county", verdict.county), ("州 prefecture", verdict.prefecture))
    for name, check in tiers:
        console.print(
            f"{name}: {check.events:,} 条事件 events of {verdict.recorded:,} recorded; "
            f"missing {check.missing}, extra {check.extra}, altered {check.altered}, "
            f"duplicates {check.duplicates}, quarantined {check.quarantined}, "
            f"case counts off at {check.case_mismatch} centers"
        )
    if verdict.clean and not totals.refused_rounds:
        console.print(
            f"[bold green]✓ 对账无误：{verdict.nodes} 个节点记录的 {verdict.recorded:,} 条事件"
            f"在县、州两级各到达且仅到达一次[/] (every event delivered exactly once)"
        )
    else:
        console.print(
            "[bold red]✗ 对账未通过 reconciliation NOT clean[/] "
            f"(nodes still waiting: {verdict.waiting_at_nodes})"
        )


def _figures(
    args: argparse.Namespace,
    world: World,
    totals: Counters,
    verdict: Verdict,
    states: dict[str, dict[str, int]],
    total_row: dict[str, Any],
    setup_s: float,
    year_s: float,
    drain_s: float,
) -> dict[str, Any]:
    pref_states = states.get("州 prefecture", {})
    return {
        "bench": "simulate",
        "townships": len(world.townships),
        "counties": len(world.counties),
        "usb_only": sum(t.usb_only for t in world.townships),
        "days": args.days,
        "scale": args.scale,
        "seed": args.seed,
        "workers": args.workers,
        "sync_every": args.sync_every,
        "cases": totals.cases,
        "events": verdict.recorded,
        "events_http": totals.synced_events,
        "events_usb": totals.usb_events,
        "sync_rounds": totals.sync_rounds,
        "usb_rounds": totals.usb_rounds,
        "syncs_skipped_offline": totals.skipped_offline,
        "failed_rounds": totals.failed_rounds,
        "county_events": verdict.county.events,
        "prefecture_events": verdict.prefecture.events,
        "prefecture_cases": verdict.prefecture.cases,
        "prefecture_nodes_normal": pref_states.get("正常", 0),
        "prefecture_accepted": total_row.get("accepted"),
        "setup_s": round(setup_s, 1),
        "year_s": round(year_s, 1),
        "forward_drain_s": round(drain_s, 1),
        "events_per_s": round(verdict.recorded / year_s) if year_s else None,
        "clean": verdict.clean and not totals.refused_rounds,
        "verdict": {k: v for k, v in asdict(verdict).items() if k != "problems"},
        "machine": machine(),
    }


if __name__ == "__main__":
    sys.exit(main())
