"""Provides what fault and crash tests share: a hub network, a busy window, and the checks.

`build_network` starts real hub processes (a county, optionally its prefecture) and enrolls a
node in-process, quicker than the CLI. `record_cases` plays a clerk's day through the node's
CaseBook. `sync_until_done` retries rounds as a node's scheduler would. The `assert_*`
functions state sync principle 1: every event recorded at the window is at the hub exactly
once, nothing waits in the outbox, and the hub's cases agree with the window's.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from central_hub.enrollment import issue_code
from central_hub.forwarding import forward_round, link_upstream, upstream_of
from central_hub.home import HubHome
from central_hub.home import init_home as init_hub
from central_hub.home import open_home as open_hub
from central_hub.reports import case_report
from sync_protocol import HubClient, HubUnreachable
from tests.conftest import HubProcess, start_hub
from tests.factories import applicant_stream
from township_node.casebook import CaseBook
from township_node.catalog import available_items, center_level, current_catalog
from township_node.enrollment import enroll
from township_node.errors import SyncFailed
from township_node.home import init_home as init_node
from township_node.home import open_home as open_node
from township_node.store import set_setting
from township_node.sync import Outbox, sync_once

__all__ = [
    "COUNTY",
    "TOWNSHIP",
    "Network",
    "assert_cases_agree",
    "assert_exactly_once",
    "assert_nothing_left_over",
    "build_network",
    "forward_until_done",
    "point_county_upstream",
    "point_node_at",
    "record_cases",
    "sync_until_done",
]

COUNTY = "513431"  # 昭觉县
TOWNSHIP = "513431100"  # 新城镇
_DONE = ("completed", "delivered")
_STEPS = ("handle", "review", "approve", "review_and_approve")


@dataclass
class Network:
    county: HubProcess
    node: Path
    """The node's home directory."""
    prefecture: HubProcess | None = None

    @property
    def node_id(self) -> str:
        with _read(self.node / "node.db") as conn:
            return str(
                conn.execute("SELECT value FROM settings WHERE key = 'node_id'").fetchone()[0]
            )


def build_network(
    tmp_path: Path, hubs: list[HubProcess], *, prefecture: bool = False, forward_interval: float = 0
) -> Network:
    """Starts a county hub (and its prefecture, linked) and enrolls one township node."""
    county_home = init_hub(tmp_path / "county", tier="county", org_code=COUNTY, name="昭觉县")
    pref = None
    if prefecture:
        pref_home = init_hub(tmp_path / "pref", tier="prefecture", org_code="513400", name="凉山州")
        code = issue_code(pref_home, center_code=COUNTY)
        pref_home.close()
        pref = start_hub(tmp_path / "pref")
        hubs.append(pref)
        with HubClient(pref.url) as client:
            link_upstream(county_home, client, code)
    code = issue_code(county_home, center_code=TOWNSHIP)
    county_home.close()
    county = start_hub(tmp_path / "county", forward_interval=forward_interval)
    hubs.append(county)
    with (
        init_node(tmp_path / "node", center_code=TOWNSHIP, name="新城镇便民服务中心") as node,
        HubClient(county.url) as client,
    ):
        enroll(node, client, code)
    return Network(county, tmp_path / "node", pref)


def point_node_at(node: Path, url: str) -> None:
    """Sends the node's next rounds to `url` (a proxy); the pinned hub keys stay the same."""
    with open_node(node) as home, home.database.transaction() as conn:
        set_setting(conn, "hub_url", url)


def point_county_upstream(county: Path, url: str) -> None:
    """Sends the county's forwarding to `url` (a proxy): hub_meta's `upstream_url`."""
    with sqlite3.connect(county / "hub.db") as conn:
        conn.execute("UPDATE hub_meta SET value = ? WHERE key = 'upstream_url'", (url,))
    conn.close()


def record_cases(node: Path, *, cases: int, seed: int, fast: bool = False) -> int:
    """Plays a clerk's work: accepts `cases` cases and moves each its own way.

    About a fifth stay just accepted, a sixth are refused, a fifth stop part-way through
    their steps, the rest go through every step and are completed. Returns events recorded.

    Args:
        fast: write without fsync (setup of big logs, where durability is not under test).
    """
    rng = random.Random(f"cases:{seed}")
    applicants = applicant_stream(seed)
    with open_node(node) as home:
        book = CaseBook(home, catalog=current_catalog(home), center_level=center_level(home))
        items = available_items(home)
        before = _event_count(home.conn)
        if fast:
            home.conn.execute("PRAGMA synchronous=OFF")
        for _ in range(cases):
            _play_case(book, rng, rng.choice(items).code, next(applicants))
        return _event_count(home.conn) - before


def _play_case(book: CaseBook, rng: random.Random, item_code: str, applicant: tuple) -> None:
    name, id_number, phone = applicant
    case_no = book.accept(
        item_code=item_code,
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        clerk_id=f"clerk-{rng.randint(1, 3)}",
    ).case_no
    fate = rng.random()
    if fate < 0.2:
        return
    if fate < 0.37:
        book.act(case_no, "refuse", clerk_id="clerk-1", payload={"reason": "材料不全"})
        return
    steps = rng.randint(1, 2) if fate < 0.57 else 9
    for _ in range(steps):
        legal = set(_legal(book, case_no))
        step = next((action for action in _STEPS if action in legal), None)
        if step is None:
            book.act(
                case_no,
                "complete",
                clerk_id="clerk-2",
                payload={"result_code": "granted", "result_label": "准予许可"},
            )
            return
        book.act(case_no, step, clerk_id="clerk-2")


def _legal(book: CaseBook, case_no: str) -> tuple[str, ...]:
    import casework

    return casework.legal_actions(book.state(case_no))


def sync_until_done(
    node: Path,
    url: str,
    *,
    max_rounds: int = 60,
    batch_events: int = 1000,
    attempts: int = 2,
    timeout: float = 10.0,
    pause: float = 0.0,
    between_rounds: Callable[[int], None] | None = None,
) -> int:
    """Runs sync rounds until one succeeds, as the node's scheduler would; returns rounds.

    A round may fail because the hub cannot be reached (exit 3); anything else (a refusal,
    exit 4) is a failure of the test.
    """
    with open_node(node) as home:
        for round_no in range(1, max_rounds + 1):
            with HubClient(
                url, attempts=attempts, backoff=0.05, max_backoff=0.2, timeout=timeout
            ) as client:
                try:
                    sync_once(home, client, batch_events=batch_events)
                    return round_no
                except SyncFailed as exc:
                    if exc.exit_code != 3:
                        raise
            if between_rounds is not None:
                between_rounds(round_no)
            time.sleep(pause)
    raise AssertionError(f"sync did not complete in {max_rounds} rounds")


def forward_until_done(county: Path, *, max_rounds: int = 60) -> int:
    """Runs forwarding rounds from the county to wherever hub_meta says, until one succeeds."""
    with _hub(county) as home:
        for round_no in range(1, max_rounds + 1):
            url, _ = upstream_of(home)
            with HubClient(url, attempts=2, backoff=0.05, max_backoff=0.2, timeout=10) as client:
                try:
                    forward_round(home, client)
                    return round_no
                except HubUnreachable:
                    continue  # like the node's exit 3; any refusal fails the test
    raise AssertionError(f"forwarding did not complete in {max_rounds} rounds")


def assert_exactly_once(node: Path, hub: Path) -> None:
    """Every event of the node is at the hub once, byte for byte, and the node waits for none."""
    with _read(node / "node.db") as conn:
        node_id = conn.execute("SELECT value FROM settings WHERE key = 'node_id'").fetchone()[0]
        recorded = conn.execute("SELECT event_id, seq, body FROM events ORDER BY seq").fetchall()
    with _read(hub / "hub.db") as conn:
        arrived = conn.execute(
            "SELECT event_id, seq, body FROM events WHERE node_id = ? ORDER BY seq", (node_id,)
        ).fetchall()
    twice = {key: n for key, n in Counter(row[0] for row in arrived).items() if n > 1}
    assert not twice, f"events applied more than once at {hub.name}: {twice}"
    assert len(arrived) == len(recorded), (
        f"{hub.name} holds {len(arrived)} of the node's {len(recorded)} events; missing seqs "
        f"{sorted({r[1] for r in recorded} - {a[1] for a in arrived})[:20]}"
    )
    assert [(e, s, bytes(b)) for e, s, b in arrived] == [
        (e, s, bytes(b)) for e, s, b in recorded
    ], f"{hub.name} holds other events than the node recorded"
    _assert_outbox_empty(node)


def _assert_outbox_empty(node: Path) -> None:
    with open_node(node) as home:
        status = Outbox(home).status()
    assert (status.unbatched_events, status.unacknowledged_batches) == (0, 0), status
    assert status.rejected_batches == 0, status


def assert_nothing_left_over(node_id: str, hub: Path, *, truncated_files: int = 0) -> None:
    """Once all of a node is applied, the hub holds none of it as held, rejected or quarantined.

    `truncated_files`: USB files the test cut short; each may be refused and kept as one
    rejected batch (`malformed_input`, principle 6), and nothing else may be."""
    with _read(hub / "hub.db") as conn:
        held = conn.execute(
            "SELECT batch_seq FROM held_batches WHERE node_id = ?", (node_id,)
        ).fetchall()
        # The refused version of a proven equivocation is the evidence, kept on purpose.
        rejected = conn.execute(
            "SELECT batch_seq, reason_code FROM rejected_batches WHERE node_id = ? AND "
            "batch_hash NOT IN (SELECT other_hash FROM equivocations WHERE node_id = ?)",
            (node_id, node_id),
        ).fetchall()
        quarantined = conn.execute(
            "SELECT seq, reason_code FROM quarantine WHERE node_id = ?", (node_id,)
        ).fetchall()
    assert held == [], f"{hub.name} still holds batches {held} it has applied"
    assert quarantined == [], f"{hub.name} quarantined events {quarantined}"
    refused_cuts = [row for row in rejected if row[1] == "malformed_input"]
    assert len(rejected) == len(refused_cuts) <= truncated_files, (
        f"{hub.name} rejected batches {rejected} ({truncated_files} USB files were truncated)"
    )


def assert_cases_agree(node: Path, hub: Path) -> None:
    """The hub's cases and report counts are those of the node's window."""
    with _read(node / "node.db") as conn:
        mine = dict(conn.execute("SELECT case_id, status FROM cases").fetchall())
        by_category = conn.execute(
            "SELECT category, count(*), sum(status IN ('completed', 'delivered')) "
            "FROM cases GROUP BY category ORDER BY category"
        ).fetchall()
    with _read(hub / "hub.db") as conn:
        theirs = dict(
            conn.execute(
                "SELECT case_id, status FROM cases WHERE center_code = ?", (TOWNSHIP,)
            ).fetchall()
        )
    assert theirs == mine, f"{hub.name} folds other case states than the node"
    with _hub(hub) as home:
        report = [
            (row.category, row.accepted, row.completed)
            for row in case_report(home)
            if row.org_code == TOWNSHIP
        ]
    assert report == [tuple(row) for row in by_category]


def _event_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


@contextlib.contextmanager
def _read(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only SQLite connection, closed on exit (sqlite3's own `with` only commits)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def _hub(path: Path) -> Iterator[HubHome]:
    """A hub home opened in this process, beside the serving one, closed on exit."""
    home = open_hub(path)
    try:
        yield home
    finally:
        home.close()
