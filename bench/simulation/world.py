"""Provides the simulated prefecture: who the townships are, how busy, when their link is down.

Pure and seeded: the same seed gives the same world, so a failed run can be replayed. The
volumes come from the seed report (Jan-Nov 2018, whole prefecture): 235,445 licensing,
1,230,516 other administrative and 2,242,860 public-service cases in eleven months, which
is about 4.05M cases a year. All of it is recorded at the township nodes here (the county
centers' own windows are not simulated), spread by each township's size.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import casework

__all__ = [
    "SEED_CASES_PER_YEAR",
    "Outage",
    "Township",
    "World",
    "build_world",
    "china_moment",
]

SEED_CASES_PER_YEAR = round((235_445 + 1_230_516 + 2_242_860) * 12 / 11)
"""The seed's eleven months of cases, scaled to twelve: ~4.05M a year."""
_SEED_TOWNSHIPS = 548
_FIXTURE_TOWNSHIPS = 304
_WEEKEND_SHARE = 0.08
"""A weekend or holiday day at a township sees this share of a working day's cases
(some centers keep a duty window open); the rest of the year's volume falls on workdays."""


@dataclass(frozen=True, slots=True)
class Outage:
    """The link to the county is down over [start, end) (UTC)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Township:
    code: str
    county: str
    name: str
    weight: float
    """Relative size: its share of the prefecture's cases is weight / sum of weights."""
    usb_only: bool
    outages: tuple[Outage, ...] = ()
    usb_days: frozenset[date] = field(default_factory=frozenset)
    """Days the stick goes to the county (USB-only townships)."""

    def offline_at(self, moment: datetime) -> bool:
        return any(o.start <= moment < o.end for o in self.outages)


@dataclass(frozen=True)
class World:
    townships: tuple[Township, ...]
    counties: tuple[str, ...]
    days: tuple[date, ...]
    workdays: frozenset[date]
    cases_per_year: float
    """At this run's scale, prefecture-wide (all 304 or 548 townships)."""
    full_count: int
    """304 or 548: how many townships share cases_per_year (a short run takes a few)."""

    def daily_mean(self, township: Township, day: date) -> float:
        """Expected cases accepted at `township` on `day`."""
        per_unit = township.weight * self._per_weight_day
        return per_unit * (1.0 if day in self.workdays else _WEEKEND_SHARE)

    @functools.cached_property
    def _per_weight_day(self) -> float:
        """Cases per unit of weight on a working day (a rest day counts _WEEKEND_SHARE)."""
        mean_weight = sum(t.weight for t in self.townships) / len(self.townships)
        per_township = self.cases_per_year / self.full_count * len(self.days) / 365
        work = len(self.workdays)
        units = max(1.0, work + (len(self.days) - work) * _WEEKEND_SHARE)
        return per_township / mean_weight / units


def china_moment(day: date, hour: float) -> datetime:
    """The UTC instant of `hour` (local wall-clock hours) on China date `day`."""
    local = datetime(day.year, day.month, day.day, tzinfo=casework.CHINA_TZ)
    return (local + timedelta(hours=hour)).astimezone(UTC)


def build_world(
    *,
    townships: int,
    days: int,
    start: date,
    scale: float,
    seed: int,
    usb_share: float = 0.05,
    counties: int | None = None,
) -> World:
    """The seeded world: `townships` is 304 (the fixture) or 548 (the seed's count, the
    extra ones synthesized per county in proportion to the fixture's); fewer takes the first
    townships of the first `counties` counties (short test runs)."""
    rng = random.Random(f"world:{seed}")
    codes = _township_codes(townships, counties)
    county_codes = tuple(sorted({county for _, county, _ in codes}))
    n_usb = max(1, round(len(codes) * usb_share)) if usb_share > 0 else 0
    usb = set(rng.sample(range(len(codes)), n_usb))
    calendar = casework.default_calendar()
    all_days = tuple(start + timedelta(days=n) for n in range(days))
    workdays = frozenset(d for d in all_days if calendar.is_workday(d)[0])
    end = china_moment(all_days[-1], 24)
    built = []
    for n, (code, county, name) in enumerate(codes):
        outages = _outages(rng, china_moment(start, 0), end)
        usb_days = _usb_days(rng, all_days, workdays) if n in usb else frozenset()
        weight = rng.lognormvariate(0, 0.6)
        built.append(Township(code, county, name, weight, n in usb, outages, usb_days))
    full = _FIXTURE_TOWNSHIPS if townships <= _FIXTURE_TOWNSHIPS else _SEED_TOWNSHIPS
    return World(tuple(built), county_codes, all_days, workdays, SEED_CASES_PER_YEAR * scale, full)


def _township_codes(count: int, counties: int | None) -> list[tuple[str, str, str]]:
    tree = casework.load_org_tree()
    fixture = sorted(
        (org.code, org.parent_code or "", org.name)
        for org in tree.values()
        if org.level == "township" and org.valid_until is None
    )
    by_county: dict[str, list[tuple[str, str, str]]] = {}
    for row in fixture:
        by_county.setdefault(row[1], []).append(row)
    chosen = sorted(by_county)[:counties] if counties else sorted(by_county)
    if count <= sum(len(by_county[c]) for c in chosen):
        # Round-robin over the counties, so a short run still spans every chosen county.
        queues = [list(by_county[c]) for c in chosen]
        picked: list[tuple[str, str, str]] = []
        while len(picked) < count:
            for queue in queues:
                if queue and len(picked) < count:
                    picked.append(queue.pop(0))
        return sorted(picked)
    # The seed counts 548 townships; the 2022 fixture 304 after the merger reform. The extra
    # ones are spread in proportion to each county's fixture count, with the free 3xx codes.
    rows = [row for c in chosen for row in by_county[c]]
    extra = count - len(rows)
    shares = {c: len(by_county[c]) / len(rows) * extra for c in chosen}
    quota = {c: math.floor(s) for c, s in shares.items()}
    for c in sorted(chosen, key=lambda c: shares[c] - quota[c], reverse=True):
        if sum(quota.values()) < extra:
            quota[c] += 1
    for c in chosen:
        rows += [(f"{c}{300 + n:03d}", c, f"模拟乡镇{c}{300 + n:03d}") for n in range(quota[c])]
    return sorted(rows)


def _outages(rng: random.Random, start: datetime, end: datetime) -> tuple[Outage, ...]:
    """A link down every ~3 weeks on average, for hours to days (median ~8 h, tail of days)."""
    found: list[Outage] = []
    at = start
    while True:
        at += timedelta(hours=rng.expovariate(1 / (21 * 24)))
        if at >= end:
            return tuple(found)
        hours = min(max(1.0, rng.lognormvariate(math.log(8), 1.3)), 24 * 10)
        found.append(Outage(at, at + timedelta(hours=hours)))
        at += timedelta(hours=hours)


def _usb_days(rng: random.Random, days: tuple[date, ...], work: frozenset[date]) -> frozenset[date]:
    """A stick goes to the county every 5 to 10 working days."""
    picked, wait = set(), rng.randint(1, 10)
    for day in days:
        if day not in work:
            continue
        wait -= 1
        if wait <= 0:
            picked.add(day)
            wait = rng.randint(5, 10)
    return frozenset(picked)
