"""Provides the randomized fault campaign over township → county → prefecture (issue 8).

- `build_chain`: a prefecture hub and its county hub (real processes), each behind a fault
  proxy, kept alive across runs; `Chain.kill`, `Chain.fill_disk` strike them.
- `draw_schedule`: a run's faults, drawn from its seed (printed, so a run replays).
- `run_once`: one run on a fresh township; returns a `RunResult` with its figures.
- `Kind`: the fault kinds the campaign injects itself (the proxies count theirs).

scripts/campaign.py runs the long form; tests/test_campaign.py a short one.
"""

from __future__ import annotations

from .chain import Chain, build_chain
from .run import RunResult, run_once
from .schedule import Kind, Schedule, draw_schedule

__all__ = ["Chain", "Kind", "RunResult", "Schedule", "build_chain", "draw_schedule", "run_once"]
