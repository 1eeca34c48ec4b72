"""Provides a run's township: a fresh node, a clerk whose disk may fill, and its sync rounds.

A full disk at the node is SQLite's `max_page_count` on the clerk's connection: the database
cannot grow, so a write that needs a new page fails with "database or disk is full", as on a
full disk, and must change nothing. Sync rounds run as the node's scheduler runs them: a
round that cannot reach the hub (exit 3) is retried; any other failure fails the run.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
from pathlib import Path

from central_hub.enrollment import issue_code
from sync_protocol import HubClient
from tests.factories import applicant_stream
from tests.faults.network import _play_case, point_node_at
from township_node.casebook import CaseBook
from township_node.catalog import available_items, center_level, current_catalog
from township_node.enrollment import enroll
from township_node.errors import NodeError, SyncFailed
from township_node.home import init_home as init_node
from township_node.home import open_home as open_node
from township_node.sync import sync_once

from .chain import Chain

__all__ = ["Syncing", "new_township", "record", "sync_round_on_full_disk", "sync_until_done"]

_NO_LIMIT = 1_073_741_823  # SQLite's default max_page_count


def new_township(chain: Chain, path: Path) -> str:
    """Enrolls a fresh node for a new township of the county; it syncs over the link."""
    center = chain.next_center()
    with contextlib.closing(chain.open("county")) as county:
        code = issue_code(county, center_code=center)
    with (
        init_node(path, center_code=center, name=f"第{center[-3:]}乡镇便民服务中心") as node,
        HubClient(chain.county.url) as client,
    ):
        enroll(node, client, code)
    point_node_at(path, chain.township_link.url)
    return center


def record(node: Path, *, cases: int, seed: int, room_pages: int | None = None) -> tuple[int, int]:
    """A clerk's work; with `room_pages`, on a disk that takes only that many more pages.

    Returns (events recorded, writes refused for the full disk).
    """
    rng = random.Random(f"cases:{seed}")
    applicants = applicant_stream(seed)
    refused = 0
    with open_node(node) as home:
        book = CaseBook(home, catalog=current_catalog(home), center_level=center_level(home))
        items = available_items(home)
        before = _events(home.conn)
        if room_pages is not None:
            _limit(home.conn, room_pages)
        try:
            for _ in range(cases):
                try:
                    _play_case(book, rng, rng.choice(items).code, next(applicants))
                except (sqlite3.Error, NodeError) as exc:
                    if "full" not in str(exc):
                        raise
                    refused += 1
        finally:
            home.conn.execute(f"PRAGMA max_page_count = {_NO_LIMIT}")
        return _events(home.conn) - before, refused


def sync_round_on_full_disk(node: Path, url: str, *, batch_events: int) -> bool:
    """One sync round while the node's disk is full; True if the disk refused it."""
    with open_node(node) as home, HubClient(url, attempts=1, timeout=5) as client:
        _limit(home.conn, 0)
        try:
            sync_once(home, client, batch_events=batch_events)
        except sqlite3.Error as exc:
            if "full" not in str(exc):
                raise
            return True
        except SyncFailed as exc:
            if exc.exit_code != 3:
                raise
        finally:
            home.conn.execute(f"PRAGMA max_page_count = {_NO_LIMIT}")
    return False


def sync_until_done(
    node: Path, url: str, *, batch_events: int, deadline: float, stop: threading.Event | None = None
) -> int:
    """Runs rounds until one succeeds (exit 3 is retried, anything else raises); rounds."""
    rounds = 0
    with open_node(node) as home:
        while True:
            rounds += 1
            with HubClient(url, attempts=1, timeout=5) as client:
                try:
                    sync_once(home, client, batch_events=batch_events)
                    return rounds
                except SyncFailed as exc:
                    if exc.exit_code != 3:
                        raise
            if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                raise AssertionError(f"sync did not complete in {rounds} rounds")
            time.sleep(0.02)


class Syncing(threading.Thread):
    """Sync rounds in the background while the run kills hubs and fills disks."""

    def __init__(self, node: Path, url: str, *, batch_events: int, seconds: float) -> None:
        super().__init__(name="campaign-sync", daemon=True)
        self._args = (node, url)
        self._batch_events, self._seconds = batch_events, seconds
        self.rounds = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.rounds = sync_until_done(
                *self._args,
                batch_events=self._batch_events,
                deadline=time.monotonic() + self._seconds,
            )
        except BaseException as exc:  # the run reports it
            self.error = exc


def _limit(conn: sqlite3.Connection, room_pages: int) -> None:
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    conn.execute(f"PRAGMA max_page_count = {pages + room_pages}")


def _events(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
