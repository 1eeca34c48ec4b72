"""Provides what a run checks at its end: the whole chain, township to prefecture.

`count_delivery` counts (not just asserts) events lost and duplicated at a hub, for the
campaign's figures. `check_chain` states sync principle 1 over both hops: every event the
node recorded is at the county and at the prefecture exactly once, byte for byte; the
node's outbox is acknowledged; neither hub holds, rejects or quarantines any of it; and the
county and the prefecture hold the same events and fold the same cases as the window.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.faults.network import _read, assert_exactly_once, assert_nothing_left_over

__all__ = [
    "Delivery",
    "Twin",
    "check_chain",
    "check_equivocations",
    "check_hubs_agree",
    "count_delivery",
    "wait_until_at",
]


@dataclass(frozen=True)
class Delivery:
    """How the node's events stand at one hub."""

    events: int
    """Recorded at the node."""
    lost: int
    """Recorded, and not at the hub (or there with other bytes)."""
    duplicated: int
    """Extra copies at the hub of events the node recorded once."""


def _node_events(node: Path) -> tuple[str, list[tuple[str, int, bytes]]]:
    with _read(node / "node.db") as conn:
        node_id = conn.execute("SELECT value FROM settings WHERE key = 'node_id'").fetchone()[0]
        rows = conn.execute("SELECT event_id, seq, body FROM events ORDER BY seq").fetchall()
    return str(node_id), [(e, s, bytes(b)) for e, s, b in rows]


def _hub_events(hub: Path, node_id: str) -> list[tuple[str, int, bytes]]:
    with _read(hub / "hub.db") as conn:
        rows = conn.execute(
            "SELECT event_id, seq, body FROM events WHERE node_id = ? ORDER BY seq", (node_id,)
        ).fetchall()
    return [(e, s, bytes(b)) for e, s, b in rows]


def count_delivery(node: Path, hub: Path) -> Delivery:
    node_id, recorded = _node_events(node)
    arrived = Counter(_hub_events(hub, node_id))
    lost = sum(1 for event in recorded if arrived[event] == 0)
    duplicated = sum(n - 1 for n in arrived.values() if n > 1)
    return Delivery(len(recorded), lost, duplicated)


def wait_until_at(node: Path, hub: Path, *, timeout: float) -> Delivery:
    """Waits until every event of the node is at the hub (the county forwards on its own)."""
    deadline = time.monotonic() + timeout
    while True:
        delivery = count_delivery(node, hub)
        if delivery.lost == 0 or time.monotonic() > deadline:
            return delivery
        time.sleep(0.05)


def _cases(hub: Path, node_id: str) -> dict[str, tuple[str, ...]]:
    with _read(hub / "hub.db") as conn:
        rows = conn.execute(
            "SELECT case_id, case_no, status, category, item_code FROM cases WHERE node_id = ?",
            (node_id,),
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def check_chain(
    node: Path, county: Path, prefecture: Path, *, truncated: tuple[int, int] = (0, 0)
) -> None:
    """Raises AssertionError, naming the hop, when the chain lost, doubled or altered.

    Args:
        truncated: USB files this run truncated on the way to the county and to the
            prefecture; each hub keeps at most that many refused copies, for inspection.
    """
    node_id, _ = _node_events(node)
    for hub, cut in zip((county, prefecture), truncated, strict=True):
        assert_exactly_once(node, hub)  # also: the outbox is empty, nothing rejected
        assert_nothing_left_over(node_id, hub, truncated_files=cut)
    assert _hub_events(county, node_id) == _hub_events(prefecture, node_id), (
        "county and prefecture hold different events"
    )
    with _read(node / "node.db") as conn:
        mine = {
            row[0]: tuple(row[1:])
            for row in conn.execute(
                "SELECT case_id, case_no, status, category, item_code FROM cases"
            )
        }
    at_county, at_prefecture = _cases(county, node_id), _cases(prefecture, node_id)
    assert at_county == mine, "the county folds other cases than the window"
    assert at_prefecture == at_county, "the prefecture folds other cases than the county"


@dataclass(frozen=True)
class Twin:
    """An altered twin of a batch that the campaign posted and the hub refused."""

    target: str
    """"county" (refused as conflicting_batch) or "prefecture" (not_forwarded)."""
    node_id: str
    batch_seq: int
    batch_hash: str


def check_equivocations(county: Path, prefecture: Path, twins: list[Twin]) -> None:
    """Each refused twin is kept as proof of an equivocation at the hub it was posted to
    (check_chain has already shown that no record took it)."""
    for twin in twins:
        hub = county if twin.target == "county" else prefecture
        with _read(hub / "hub.db") as conn:
            found = conn.execute(
                "SELECT count(*) FROM equivocations WHERE node_id = ? AND batch_seq = ? "
                "AND other_hash = ?",
                (twin.node_id, twin.batch_seq, twin.batch_hash),
            ).fetchone()[0]
        assert found == 1, f"the {twin.target} kept no proof of the equivocating {twin}"


def check_hubs_agree(county: Path, prefecture: Path) -> int:
    """Every event of every node the county holds is at the prefecture, the same bytes,
    and no other; and both fold the same cases. Returns the events compared."""
    sql = "SELECT node_id, seq, event_id, body FROM events ORDER BY node_id, seq"
    cases = "SELECT case_id, node_id, status, category, item_code FROM cases ORDER BY case_id"
    with _read(county / "hub.db") as conn:
        at_county, county_cases = conn.execute(sql).fetchall(), conn.execute(cases).fetchall()
    with _read(prefecture / "hub.db") as conn:
        at_prefecture = conn.execute(sql).fetchall()
        prefecture_cases = conn.execute(cases).fetchall()
    assert at_county == at_prefecture, (
        f"county holds {len(at_county)} events, prefecture {len(at_prefecture)}, or others"
    )
    assert county_cases == prefecture_cases, "county and prefecture fold other cases"
    return len(at_county)
