"""Provides the independent check at the end of a run: every event once, at both tiers.

It does not trust any hub's own counters: for every node home it reads the node's event log
and compares ids, sequence numbers and a digest of the bytes with what its county and the
prefecture hold for that node, and checks that the node waits for nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from central_hub.forwarding import nodes_with_backlog
from central_hub.home import open_home as open_hub
from central_hub.store import cases, events, held_batches
from township_node.home import open_home as open_node
from township_node.sync import Outbox

__all__ = ["TierCheck", "Verdict", "verify", "wait_for_forwarding"]


@dataclass(slots=True)
class TierCheck:
    events: int = 0
    missing: int = 0
    extra: int = 0
    altered: int = 0
    duplicates: int = 0
    quarantined: int = 0
    cases: int = 0
    case_mismatch: int = 0
    """Centers whose case count here differs from their node's (a case counted twice)."""


@dataclass(slots=True)
class Verdict:
    nodes: int = 0
    recorded: int = 0
    cases: int = 0
    waiting_at_nodes: int = 0
    county: TierCheck = field(default_factory=TierCheck)
    prefecture: TierCheck = field(default_factory=TierCheck)
    problems: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        tiers = (self.county, self.prefecture)
        bad = sum(
            t.missing + t.extra + t.altered + t.duplicates + t.quarantined + t.case_mismatch
            for t in tiers
        )
        return bad == 0 and self.waiting_at_nodes == 0 and self.nodes > 0


def wait_for_forwarding(county_homes: list[Path], *, timeout: float = 600) -> float:
    """Waits until no county holds a batch its prefecture has not acknowledged (the hubs
    forward on their own, every few seconds); returns the seconds waited."""
    started = time.monotonic()
    homes = [open_hub(path) for path in county_homes]
    try:
        while time.monotonic() - started < timeout:
            if not any(nodes_with_backlog(home) for home in homes):
                return time.monotonic() - started
            time.sleep(1)
        return time.monotonic() - started
    finally:
        for home in homes:
            home.close()


Ids = dict[str, tuple[int, bytes]]
"""event_id -> (seq, digest of the event's bytes)."""


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(bytes(body), digest_size=16).digest()


_HubView = tuple[dict[str, Ids], dict[str, int], dict[str, int], dict[str, int]]


def _hub_events(home_path: Path) -> _HubView:
    """Per node: its events at this hub, how many rows (to see doubles), quarantined;
    and per center, its cases."""
    held: dict[str, Ids] = defaultdict(dict)
    rows: dict[str, int] = defaultdict(int)
    quarantined: dict[str, int] = defaultdict(int)
    home = open_hub(home_path)
    try:
        with home.engine.connect() as conn:
            query = sa.select(
                events.c.node_id,
                events.c.event_id,
                events.c.seq,
                events.c.body,
                events.c.quarantined,
            )
            for node_id, event_id, seq, body, bad in conn.execute(query):
                held[node_id][event_id] = (seq, _digest(body))
                rows[node_id] += 1
                quarantined[node_id] += int(bool(bad))
            still_held = conn.execute(sa.select(sa.func.count()).select_from(held_batches))
            quarantined["(held batches)"] = int(still_held.scalar_one())
            counted = sa.select(cases.c.center_code, sa.func.count()).group_by(cases.c.center_code)
            per_center = {str(code): int(n) for code, n in conn.execute(counted)}
    finally:
        home.close()
    return held, rows, quarantined, per_center


def _compare(mine: Ids, theirs: Ids, rows: int, check: TierCheck) -> None:
    check.events += len(theirs)
    check.missing += len(mine.keys() - theirs.keys())
    check.extra += len(theirs.keys() - mine.keys())
    check.altered += sum(1 for k in mine.keys() & theirs.keys() if mine[k] != theirs[k])
    check.duplicates += rows - len(theirs)


def verify(root: Path, county_of: dict[str, str]) -> Verdict:
    """Checks every node under root/nodes against root/county-*/ and root/prefecture/."""
    verdict = Verdict()
    prefecture, pref_rows, pref_bad, pref_cases = _hub_events(root / "prefecture")
    by_county = {c: _hub_events(root / f"county-{c}") for c in sorted(set(county_of.values()))}
    for tier, bad in (("prefecture", pref_bad), *((c, v[2]) for c, v in by_county.items())):
        if bad.get("(held batches)"):
            verdict.problems.append(f"{tier}: {bad['(held batches)']} batches held (a gap)")
    seen: set[str] = set()
    for path in sorted((root / "nodes").iterdir()):
        node_id, mine, cases = _node_events(path)
        waiting = _waiting(path)
        county = county_of[path.name]
        verdict.nodes += 1
        verdict.recorded += len(mine)
        verdict.cases += cases
        verdict.waiting_at_nodes += waiting
        held, rows, bad, county_cases = by_county[county]
        for check, theirs, count, quarantined, their_cases in (
            (
                verdict.county,
                held.get(node_id, {}),
                rows.get(node_id, 0),
                bad.get(node_id, 0),
                county_cases.get(path.name, 0),
            ),
            (
                verdict.prefecture,
                prefecture.get(node_id, {}),
                pref_rows.get(node_id, 0),
                pref_bad.get(node_id, 0),
                pref_cases.get(path.name, 0),
            ),
        ):
            check.cases += their_cases
            check.case_mismatch += int(their_cases != cases)
            before = (check.missing, check.extra, check.altered)
            _compare(mine, theirs, count, check)
            check.quarantined += quarantined
            if (check.missing, check.extra, check.altered) != before and len(verdict.problems) < 20:
                verdict.problems.append(
                    f"{node_id}: {len(mine)} recorded, {len(theirs)} at "
                    f"{'prefecture' if check is verdict.prefecture else county}"
                )
        seen.add(node_id)
    for name, held in (("prefecture", prefecture), *((c, v[0]) for c, v in by_county.items())):
        for node_id in held.keys() - seen:
            verdict.problems.append(f"{name} holds events of unknown node {node_id}")
            target = verdict.prefecture if name == "prefecture" else verdict.county
            target.extra += len(held[node_id])
    return verdict


def _node_events(path: Path) -> tuple[str, Ids, int]:
    conn = sqlite3.connect(f"file:{path / 'node.db'}?mode=ro", uri=True, timeout=30)
    try:
        node_id = conn.execute("SELECT value FROM settings WHERE key = 'node_id'").fetchone()[0]
        mine = {
            event_id: (seq, _digest(body))
            for event_id, seq, body in conn.execute("SELECT event_id, seq, body FROM events")
        }
        cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    finally:
        conn.close()
    return str(node_id), mine, cases


def _waiting(path: Path) -> int:
    """Events still unbatched or batches unacknowledged at the node."""
    with open_node(path) as home:
        status = Outbox(home).status()
    return int(status.unbatched_events + status.unacknowledged_batches + status.rejected_batches)
