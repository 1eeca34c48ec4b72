"""The randomized fault campaign, long form: N runs over township → county → prefecture.

Each run brings a fresh township node to a long-lived county and prefecture (real hub
processes behind fault proxies) and strikes every hop with its seed's faults; see
docs/reliability.md. Every run's figures go to a JSON lines file, then one summary line.

    .venv/bin/python scripts/campaign.py --runs 1000          # make campaign
    .venv/bin/python scripts/campaign.py --seed 17 --keep     # replay one failing seed

Exit status: 0 when every run delivered every event exactly once, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.progress import (  # noqa: E402  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bench.machine import machine  # noqa: E402
from tests.campaign import Chain, RunResult, build_chain, run_once  # noqa: E402
from tests.campaign.checks import check_hubs_agree  # noqa: E402

CHAIN_RUNS = 250
"""Runs per county/prefecture pair; a fresh pair keeps hub files small and codes unique."""


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="number of runs (seeds)")
    parser.add_argument("--first-seed", type=int, default=1, help="seed of the first run")
    parser.add_argument("--seed", type=int, action="append", help="replay this seed (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "campaign.jsonl")
    parser.add_argument("--keep", action="store_true", help="keep every run's files")
    parser.add_argument("--workdir", type=Path, help="where hubs and nodes live (default: tmp)")
    return parser.parse_args(argv)


def summarize(results: list[RunResult], seconds: float) -> dict[str, Any]:
    faults: Counter[str] = Counter()
    for result in results:
        faults.update(result.faults)
    return {
        "summary": "campaign",
        "runs": len(results),
        "failed_runs": sum(not r.ok for r in results),
        "failed_seeds": [r.seed for r in results if not r.ok],
        "events": sum(r.events for r in results),
        "lost": sum(r.lost for r in results),
        "duplicated": sum(r.duplicated for r in results),
        "county_lost": sum(r.county_lost for r in results),
        "county_duplicated": sum(r.county_duplicated for r in results),
        "faults_injected": sum(faults.values()),
        "faults": dict(sorted(faults.items())),
        "run_seconds_median": round(statistics.median(r.seconds for r in results), 3),
        "seconds": round(seconds, 1),
        "machine": machine(),
    }


def _close(chain: Chain) -> dict[str, Any]:
    """Stops a chain's hubs, then checks the county and prefecture agree on everything."""
    chain.close()
    try:
        events = check_hubs_agree(chain.county.home, chain.prefecture.home)
    except AssertionError as exc:
        return {"chain": chain.root.name, "agree": False, "error": str(exc)}
    return {"chain": chain.root.name, "agree": True, "events": events}


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    # `kill PID` stops the hubs too (the chain is closed on the way out).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    seeds = args.seed or list(range(args.first_seed, args.first_seed + args.runs))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="campaign-"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    results: list[RunResult] = []
    chains: list[dict[str, Any]] = []
    started = time.monotonic()
    columns = (
        TextColumn("[bold]campaign"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    chain = None
    try:
        with args.out.open("w") as out, Progress(*columns) as progress:
            task = progress.add_task("runs", total=len(seeds), failed=0)
            for index, seed in enumerate(seeds):
                if chain is None or index % CHAIN_RUNS == 0:
                    if chain is not None:
                        chains.append(_close(chain))
                    chain = build_chain(workdir / f"chain-{index // CHAIN_RUNS}")
                result = run_once(chain, seed, workdir / "runs", keep=args.keep)
                results.append(result)
                out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                out.flush()
                if not result.ok:
                    progress.console.print(
                        f"[red]seed {seed} FAILED[/red] (lost {result.lost}, duplicated "
                        f"{result.duplicated}): {result.error.splitlines()[0]}\n"
                        f"  replay: {result.replay} --keep   files: {workdir}"
                    )
                failed = sum(not r.ok for r in results)
                progress.update(task, advance=1, failed=failed)
            if chain is not None:
                chains.append(_close(chain))
                chain = None
            summary = summarize(results, time.monotonic() - started)
            summary["chains"] = chains
            out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    finally:
        if chain is not None:
            chain.close()
    print(json.dumps(summary, ensure_ascii=False))
    ok = summary["failed_runs"] == 0 and all(c["agree"] for c in chains)
    if ok and not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"files kept in {workdir}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
