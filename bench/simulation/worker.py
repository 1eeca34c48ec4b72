"""Provides a worker process: the windows of some townships, living through the simulated year.

Each township is a real node home (init, enroll with its one-time code, CaseBook, sync_once
or a USB round), only its clock is the simulated one: every event's occurred_at, case
number and deadline follow the simulated day. A worker walks its townships day by day:
cases are accepted during office hours and moved on over the following working days; at
the close of the day a networked township syncs unless its link is down; a USB-only one
takes its stick to the county on its USB days (the county imports it, the receipts come
back). After the last day every link comes back and every township delivers what it holds.
"""

from __future__ import annotations

import heapq
import math
import random
import shutil
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import casework
from central_hub.home import HubHome
from central_hub.home import open_home as open_hub
from central_hub.usb import import_folder
from sync_protocol import HubClient
from tests.factories import applicant_stream
from township_node.casebook import CaseBook, CaseSummary
from township_node.catalog import current_catalog
from township_node.enrollment import enroll
from township_node.errors import InvalidInput, SyncFailed
from township_node.home import NodeHome
from township_node.home import init_home as init_node
from township_node.sync import Outbox, export_batches, import_receipts, sync_once

from .world import Township, World, china_moment

__all__ = ["Counters", "WorkerJob", "run_worker"]

_OPEN, _CLOSE = 8.5, 17.5  # office hours, China time
_SYNC_AT = 18.0
_STEPS = ("handle", "review", "approve", "review_and_approve")
# The next step of a working case by (workflow, status), as casework's lifecycle has it; it
# spares a fold of the case before each step (the CaseBook still checks every action).
_NEXT = {
    ("five_step", "accepted"): "handle",
    ("five_step", "handled"): "review",
    ("five_step", "reviewed"): "approve",
    ("two_step", "accepted"): "review_and_approve",
}
_DONE = {"result_code": "granted", "result_label": "准予许可"}


@dataclass(frozen=True, slots=True)
class WorkerJob:
    worker: int
    root: Path
    world: World
    townships: tuple[Township, ...]
    county_urls: dict[str, str]
    county_homes: dict[str, Path]
    codes: dict[str, str]
    seed: int
    sync_every: int = 1
    """A networked township tries to sync at the close of every Nth day."""


@dataclass(slots=True)
class Counters:
    day: int = 0
    cases: int = 0
    events: int = 0
    synced_events: int = 0
    usb_events: int = 0
    sync_rounds: int = 0
    usb_rounds: int = 0
    skipped_offline: int = 0
    failed_rounds: int = 0
    refused_rounds: int = 0
    window_errors: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(order=True)
class _Due:
    at: datetime
    n: int
    case: CaseSummary | None = field(compare=False)
    """None for a new acceptance."""


class _Window:
    """One township's node and what its clerks have still to do."""

    def __init__(self, township: Township, home: NodeHome, clock: _Clock, seed: int) -> None:
        self.township = township
        self.home = home
        self.book = CaseBook(home, catalog=current_catalog(home), clock=clock.now)
        self.rng = random.Random(f"window:{seed}:{township.code}")
        self.applicants = applicant_stream(self.rng.randrange(2**31))
        self.queue: list[_Due] = []
        self.ticket = 0
        self.unsent = 0
        self.offset = self.rng.randrange(1000)
        """Staggers the days townships sync on when they do not sync daily."""

    def push(self, at: datetime, case: CaseSummary | None) -> None:
        self.ticket += 1
        heapq.heappush(self.queue, _Due(at, self.ticket, case))


class _Clock:
    def __init__(self) -> None:
        self.at = datetime(2000, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def run_worker(job: WorkerJob, queue: Queue[Any]) -> None:
    """The worker process's body; reports ("day", worker, Counters) after every simulated
    day, then ("done", worker, Counters), or ("error", worker, traceback)."""
    try:
        _Worker(job, queue).run()
    except BaseException:
        queue.put(("error", job.worker, traceback.format_exc()))
        raise


class _Worker:
    def __init__(self, job: WorkerJob, queue: Queue[Any]) -> None:
        self.job, self.queue = job, queue
        self.clock = _Clock()
        self.counters = Counters()
        self.clients = {c: HubClient(url, timeout=60) for c, url in job.county_urls.items()}
        self.hubs: dict[str, HubHome] = {}
        self.items: dict[date, list[str]] = {}
        self.workflows: dict[str, str] = {}
        self.windows = [self._open(t) for t in job.townships]

    def _open(self, township: Township) -> _Window:
        home = init_node(
            self.job.root / "nodes" / township.code, center_code=township.code, name=township.name
        )
        enroll(home, self.clients[township.county], self.job.codes[township.code])
        # Setup of a simulated year; the hub side (what is under test) keeps its fsyncs.
        home.conn.execute("PRAGMA synchronous=OFF")
        return _Window(township, home, self.clock, self.job.seed)

    def run(self) -> None:
        world = self.job.world
        for n, day in enumerate(world.days):
            for window in self.windows:
                self._work_day(window, day)
                self._close_day(window, day, n)
            self.counters.day = n + 1
            self.queue.put(("day", self.job.worker, self.counters))
        closing = china_moment(world.days[-1], 23)
        for window in self.windows:  # the year is over: every link comes back
            if window.township.usb_only:
                self._usb_round(window, closing)
            else:
                self._sync(window, closing)
            window.home.close()
        for client in self.clients.values():
            client.close()
        for hub in self.hubs.values():
            hub.close()
        self.queue.put(("done", self.job.worker, self.counters))

    def _work_day(self, window: _Window, day: date) -> None:
        mean = self.job.world.daily_mean(window.township, day)
        for _ in range(_poisson(window.rng, mean)):
            hour = window.rng.uniform(_OPEN, _CLOSE)
            window.push(china_moment(day, hour), None)
        end = china_moment(day, 24)
        while window.queue and window.queue[0].at < end:
            due = heapq.heappop(window.queue)
            self.clock.at = due.at
            if due.case is not None:
                self._step(window, due.case)
            else:
                self._accept(window, day)

    def _accept(self, window: _Window, day: date) -> None:
        rng = window.rng
        name, id_number, phone = next(window.applicants)
        try:
            case = window.book.accept(
                item_code=rng.choice(self._items(day)),
                applicant_name=name,
                id_number=id_number,
                phone=phone,
                clerk_id=f"clerk-{rng.randint(1, 3)}",
            )
        except InvalidInput as exc:
            self._problem(f"{window.township.code}: accept refused: {exc}")
            return
        self._count(window, cases=1)
        fate = rng.random()
        if fate < 0.04:
            self._refuse(window, case.case_no)
        elif fate < 0.06:
            return  # left waiting: it turns yellow, then red, then overdue
        elif fate < 0.26:  # 即办: done while the citizen waits
            window.push(self.clock.at + timedelta(minutes=rng.uniform(2, 20)), case)
        else:
            window.push(self._later(rng), case)

    def _refuse(self, window: _Window, case_no: str) -> None:
        payload = {"reason": "材料不全"}
        window.book.act(case_no, "refuse", clerk_id="clerk-1", payload=payload)
        self._count(window)

    def _step(self, window: _Window, case: CaseSummary) -> None:
        if case.status == "approved":
            window.book.act(case.case_no, "complete", clerk_id="clerk-2", payload=_DONE)
            self._count(window)
            return
        step = _NEXT.get((self._workflow(window, case.item_code), case.status))
        if step is None:  # not a plain working state: ask the state machine
            legal = casework.legal_actions(window.book.state(case.case_no))
            step = next((action for action in _STEPS if action in legal), None)
            if step is None:
                return
        after = window.book.act(case.case_no, step, clerk_id="clerk-2")
        self._count(window)
        quick = window.rng.random() < 0.3
        at = self.clock.at + timedelta(minutes=window.rng.uniform(3, 40))
        window.push(at if quick else self._later(window.rng), after)

    def _later(self, rng: random.Random) -> datetime:
        """A moment in office hours 0 to ~3 working days on: the next step of a case."""
        day = self.clock.at.astimezone(casework.CHINA_TZ).date()
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            day += timedelta(days=1)
            while day not in self.job.world.workdays and day <= self.job.world.days[-1]:
                day += timedelta(days=1)
        moment = china_moment(day, rng.uniform(_OPEN, _CLOSE))
        return max(moment, self.clock.at + timedelta(minutes=5))

    def _close_day(self, window: _Window, day: date, n: int) -> None:
        township = window.township
        moment = china_moment(day, _SYNC_AT)
        if township.usb_only:
            if day in township.usb_days:
                self._usb_round(window, moment)
            return
        if not window.unsent or (n + window.offset) % self.job.sync_every:
            return
        if township.offline_at(moment):
            self.counters.skipped_offline += 1
            return
        self._sync(window, moment)

    def _cut(self, window: _Window, at: datetime) -> None:
        """Cuts the batches at the simulated moment (their headers' created_at), as the
        round would; the round then finds them cut. The hub's rules on back-dated cases
        compare acceptances with these times."""
        self.clock.at = at
        Outbox(window.home, clock=self.clock.now).cut()

    def _sync(self, window: _Window, at: datetime) -> None:
        self.counters.sync_rounds += 1
        self._cut(window, at)
        try:
            report = sync_once(window.home, self.clients[window.township.county])
        except SyncFailed as exc:
            if exc.exit_code == 3:
                self.counters.failed_rounds += 1  # the hub was busy: next round
                return
            self.counters.refused_rounds += 1
            self._problem(f"{window.township.code}: sync refused: {exc}")
            return
        self.counters.synced_events += report.events_sent
        window.unsent = 0

    def _usb_round(self, window: _Window, at: datetime) -> None:
        """The clerk exports to a stick, the county admin imports it, the receipts return."""
        self.counters.usb_rounds += 1
        self._cut(window, at)
        folder = self.job.root / "usb" / window.township.code
        exported = export_batches(window.home, folder)
        summary = import_folder(self._county_home(window.township.county), folder)
        if summary.rejected:
            self.counters.refused_rounds += 1
            self._problem(f"{window.township.code}: USB batches refused: {summary.reasons}")
        import_receipts(window.home, folder)
        shutil.rmtree(folder)
        self.counters.usb_events += exported.events
        window.unsent = 0

    def _county_home(self, county: str) -> HubHome:
        if county not in self.hubs:
            self.hubs[county] = open_hub(self.job.county_homes[county])
        return self.hubs[county]

    def _workflow(self, window: _Window, item_code: str) -> str:
        if not self.workflows:
            catalog = current_catalog(window.home)
            self.workflows = {code: item.workflow for code, item in catalog.items.items()}
        return self.workflows.get(item_code, "")

    def _items(self, day: date) -> list[str]:
        if day not in self.items:
            catalog = current_catalog(self.windows[0].home)
            self.items[day] = [item.code for item in catalog.available_at("township", day)]
        return self.items[day]

    def _count(self, window: _Window, *, cases: int = 0) -> None:
        self.counters.cases += cases
        self.counters.events += 1
        window.unsent += 1

    def _problem(self, text: str) -> None:
        self.counters.window_errors += 1
        if len(self.counters.problems) < 20:
            self.counters.problems.append(text)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # normal approximation; exact enough for a day's traffic
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
