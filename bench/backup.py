"""Benchmark: how long a node backup, a restore and `doctor` take on a filled node.

Fills a node with realistic cases (a busy township records ~20,000 events a year), then
times, over 5 repetitions each: a checked backup (`write_backup`: online copy, integrity
check, SHA-256, manifest), a restore onto a fresh home (`restore_backup`: hash, integrity,
new key), and `doctor` without network. Prints one JSON line per operation with the median,
the database size, and the machine.

    .venv/bin/python bench/backup.py [--events 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine, median  # noqa: E402
from bench.sync_throughput import fill  # noqa: E402
from township_node.backup import write_backup  # noqa: E402
from township_node.doctor import run_checks  # noqa: E402
from township_node.home import init_home  # noqa: E402
from township_node.restore import restore_backup  # noqa: E402

REPEAT = 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = init_home(root / "node", center_code="513431100", name="新城镇")
        fill(home, args.events)
        backups, restores, doctors = [], [], []
        last = None
        for i in range(REPEAT):
            started = time.perf_counter()
            last, _ = write_backup(home, root / "stick", name=f"b{i}.db")
            backups.append(time.perf_counter() - started)
        home.close()
        assert last is not None
        for i in range(REPEAT):
            started = time.perf_counter()
            restored, _ = restore_backup(last, root / f"restored-{i}")
            restores.append(time.perf_counter() - started)
            restored.close()
        for _ in range(REPEAT):
            started = time.perf_counter()
            run_checks(root / "node", network=False, min_free_mb=1)
            doctors.append(time.perf_counter() - started)
        size = last.stat().st_size
    for name, times in (("backup", backups), ("restore", restores), ("doctor", doctors)):
        print(
            json.dumps(
                {
                    "bench": "backup",
                    "operation": name,
                    "events": args.events,
                    "database_bytes": size,
                    "median_s": round(median(times), 4),
                    "repeat": REPEAT,
                    "machine": machine(),
                }
            )
        )


if __name__ == "__main__":
    main()
