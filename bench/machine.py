"""Provides the machine description every benchmark prints beside its figures."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from collections.abc import Sequence
from typing import Any


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """--store sqlite|postgresql and the --postgres server, for benchmarks run on both."""
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUB_TEST_DATABASE_URL", ""),
        help="PostgreSQL server URL for --store postgresql (default $HUB_TEST_DATABASE_URL)",
    )
