"""Provides the compliance view the prefecture reviews, for the prefecture or one county.

    compliance(conn, scope_county=None, since=…, until=…, today=…) -> ComplianceReport

Per county (or, for one county, per township center), over any period: accepted / completed
/ completion rate by category and a monthly trend (from the rollups, rollups.py); open cases
lit red or yellow (compliance_warnings.py); reporting coverage proved from arrivals
(compliance_coverage.py); the online ratio of each unit's level (compliance_catalog.py);
centers meeting the standard (standards.py); the single-window share; violations from the
quarantine (compliance_violations.py); and signs of cases kept outside the system
(compliance_patterns.py). Every rule and threshold: docs/compliance.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa

import casework

from .compliance_catalog import hub_calendar, newest_catalogs, online_ratio, unit_catalog
from .compliance_counts import Counts, PeriodSums, Sums, months_between, period_sums
from .compliance_coverage import CenterCoverage, center_coverage
from .compliance_patterns import PatternFinding, bursts, counted_patterns, silence_bursts
from .compliance_report import ComplianceReport, MonthFigures, UnitFigures
from .compliance_violations import Violation, violations
from .compliance_warnings import CaseWarning, lit_counts, open_warnings
from .errors import HubError
from .rollups import RollupsMissing, rollups_ready
from .standards import CenterStandard, center_standards
from .store import nodes

__all__ = ["ComplianceReport", "MonthFigures", "UnitFigures", "compliance"]


def compliance(
    conn: sa.Connection,
    *,
    scope_county: str | None,
    since: date,
    until: date,
    today: date,
    silent_days: int = 7,
) -> ComplianceReport:
    """Computes every compliance measure of a scope over the China dates [since, until].

    Args:
        scope_county: a county's 6-digit code (its centers only), or None for the prefecture.
        today: the day open cases and reporting are judged at.
        silent_days: N: a center that sent nothing for N days is silent; a silence of N
            working days before a burst is a pattern.

    Raises:
        HubError: since is after until, or silent_days is below 1.
        RollupsMissing: the rollups do not cover every case (run `rebuild_rollups`).
    """
    if since > until or silent_days < 1:
        raise HubError(
            f"bad period {since}..{until} or silent days {silent_days}",
            message_zh="统计期间的起始日期晚于截止日期（或失联天数小于 1）",
        )
    if not rollups_ready(conn):
        raise RollupsMissing(
            "the compliance rollups do not cover every case on this hub",
            hint="run `central-hub compliance --rebuild` once",
            message_zh="合规统计的汇总尚未覆盖本中心的全部办件，"
            "请中心管理员运行一次 central-hub compliance --rebuild",
        )
    scope = _Scope(scope_county, today, _node_names(conn, scope_county))
    calendar = hub_calendar(conn)
    sums = period_sums(conn, scope_county=scope_county, since=since, until=until)
    found = _find(conn, scope, sums, calendar, since=since, until=until, silent_days=silent_days)
    townships = [c.center_code for c in found.centers if len(c.center_code) == 9]
    standards = center_standards(conn, scope_county=scope_county, centers=townships)
    newest = newest_catalogs(conn)
    units = _UnitBuilder(scope, sums, found, standards, newest).build()
    return ComplianceReport(
        scope_county=scope_county,
        since=since,
        until=until,
        today=today,
        silent_days=silent_days,
        units=tuple(_ranked(units[:-1])),
        total=units[-1],
        trend=tuple(_trend(sums, since, until)),
        warnings=tuple(found.warnings),
        centers=tuple(found.centers),
        standards=standards,
        violations=tuple(found.violations),
        patterns=tuple(found.patterns),
        names=scope.names([*sums.by_center, *(c.center_code for c in found.centers), *standards]),
        catalog_version=unit_catalog(newest, None).version,
    )


def _find(
    conn: sa.Connection,
    scope: _Scope,
    sums: PeriodSums,
    calendar: casework.WorkCalendar,
    *,
    since: date,
    until: date,
    silent_days: int,
) -> _Found:
    """Everything judged case by case or center by center: lights, reporting, violations,
    patterns."""
    county, today = scope.county, scope.today
    return _Found(
        warnings=open_warnings(conn, scope_county=county, today=today, calendar=calendar),
        lit=lit_counts(conn, scope_county=county, today=today, calendar=calendar),
        centers=center_coverage(
            conn,
            scope_county=county,
            today=today,
            silent_days=silent_days,
            expected=scope.expected_centers(),
        ),
        violations=violations(conn, scope_county=county, since=since, until=until),
        patterns=[
            *bursts(conn, scope_county=county, since=since, until=until),
            *silence_bursts(
                conn,
                scope_county=county,
                since=since,
                until=until,
                silent_days=silent_days,
                calendar=calendar,
            ),
            *counted_patterns(sums.by_center, since=since, until=until),
        ],
    )


@dataclass(frozen=True, slots=True)
class _Found:
    warnings: list[CaseWarning]
    lit: dict[str, Counter[str]]
    centers: list[CenterCoverage]
    violations: list[Violation]
    patterns: list[PatternFinding]


def _node_names(conn: sa.Connection, scope_county: str | None) -> dict[str, str]:
    query = sa.select(nodes.c.center_code, nodes.c.name).where(nodes.c.kind == "node")
    if scope_county is not None:
        query = query.where(sa.func.substr(nodes.c.center_code, 1, 6) == scope_county)
    return dict(conn.execute(query).all())


class _Scope:
    """The units of a scope, their names, and the centers expected in it."""

    def __init__(self, county: str | None, today: date, node_names: Mapping[str, str]) -> None:
        self.county, self.today, self._node_names = county, today, node_names
        self.unit_of: Callable[[str], str] = (lambda c: c[:6]) if county is None else (lambda c: c)

    def expected_centers(self) -> list[str]:
        """The org tree's centers in force: every township and county center in scope."""
        if self.county is None:
            counties = self._in_force(casework.children_of(casework.PREFECTURE_CODE))
        else:
            counties = [self.county]
        centers = list(counties)
        for county in counties:
            if county in casework.load_org_tree():
                centers += self._in_force(casework.children_of(county))
        return centers

    def expected_units(self) -> list[str]:
        if self.county is None:
            return self._in_force(casework.children_of(casework.PREFECTURE_CODE))
        return self.expected_centers()

    def _in_force(self, orgs: Iterable[casework.Org]) -> list[str]:
        return [o.code for o in orgs if o.in_force(self.today)]

    def center_name(self, code: str) -> str:
        org = casework.load_org_tree().get(code)
        if org is None:
            return self._node_names.get(code, code)
        if org.level == "township":
            return org.name
        return "凉山州政务服务中心" if org.level == "prefecture" else f"{org.name}政务服务中心"

    def unit_name(self, code: str) -> str:
        if self.county is not None:
            return self.center_name(code)
        return "州本级" if code == casework.PREFECTURE_CODE else self.org_name(code)

    def org_name(self, code: str) -> str:
        org = casework.load_org_tree().get(code)
        return org.name if org else code

    def names(self, codes: Iterable[str]) -> dict[str, str]:
        found = {code: self.center_name(code) for code in codes}
        for code in {code[:6] for code in found}:
            found.setdefault(code, self.org_name(code))
        return found


@dataclass(slots=True)
class _Part:
    """What belongs to one unit (or, for the total, to the whole scope)."""

    sums: list[dict[str, Sums]] = field(default_factory=list)
    centers: list[CenterCoverage] = field(default_factory=list)
    standards: list[CenterStandard] = field(default_factory=list)
    lit: Counter[str] = field(default_factory=Counter)
    violations: list[Violation] = field(default_factory=list)
    patterns: list[PatternFinding] = field(default_factory=list)


class _UnitBuilder:
    """Puts every measure of every unit together, and the scope's total last."""

    def __init__(
        self,
        scope: _Scope,
        sums: PeriodSums,
        found: _Found,
        standards: Mapping[str, CenterStandard],
        newest: dict[str, casework.Catalog],
    ) -> None:
        self.scope, self.newest = scope, newest
        self.parts: dict[str, _Part] = {code: _Part() for code in scope.expected_units()}
        self.whole = _Part(
            list(sums.by_center.values()),
            found.centers,
            [s for c, s in standards.items() if len(c) == 9],
            sum(found.lit.values(), Counter()),
            found.violations,
            found.patterns,
        )
        of = scope.unit_of
        for center, values in sums.by_center.items():
            self._part(of(center)).sums.append(values)
        for coverage in found.centers:
            if coverage.node_ids or of(coverage.center_code) in self.parts:
                self._part(of(coverage.center_code)).centers.append(coverage)
        for standard in self.whole.standards:
            self._part(of(standard.center_code)).standards.append(standard)
        for center, lit in found.lit.items():
            self._part(of(center)).lit.update(lit)
        for violation in found.violations:
            self._part(of(violation.center_code)).violations.append(violation)
        for pattern in found.patterns:
            self._part(of(pattern.center_code)).patterns.append(pattern)

    def _part(self, code: str) -> _Part:
        return self.parts.setdefault(code, _Part())

    def build(self) -> list[UnitFigures]:
        units = [self._unit(code, part) for code, part in sorted(self.parts.items())]
        total_code = self.scope.county or casework.PREFECTURE_CODE
        total = self._unit(total_code, self.whole)
        name = "全州合计" if self.scope.county is None else f"{self.scope.org_name(total_code)}合计"
        return [*units, replace(total, name=name)]

    def _unit(self, code: str, part: _Part) -> UnitFigures:
        categories = _categories(part.sums)
        measures = _measure_totals(part.sums)
        statuses = Counter(c.status for c in part.centers)
        patterns = Counter(p.pattern for p in part.patterns)
        level = _level(code)
        county = None if level == "prefecture" else code[:6]
        return UnitFigures(
            code=code,
            name=self.scope.unit_name(code),
            level=level,
            categories=categories,
            total=sum(categories.values(), Counts()),
            single_window=measures[2],
            same_minute=measures[3],
            backdated=measures[4],
            red=part.lit["red"],
            yellow=part.lit["yellow"],
            enrolled=statuses["reporting"] + statuses["silent"] + statuses["waiting"],
            reporting=statuses["reporting"],
            silent=statuses["silent"],
            not_enrolled=statuses["not_enrolled"],
            online=online_ratio(unit_catalog(self.newest, county), level, self.scope.today),
            standard_centers=len(part.standards),
            standard_met=sum(s.met for s in part.standards),
            violations=dict(Counter(v.kind for v in part.violations)),
            bursts=patterns["burst"],
            silence_bursts=patterns["silence_burst"],
        )


def _level(code: str) -> str:
    if code == casework.PREFECTURE_CODE:
        return "prefecture"
    return "county" if len(code) == 6 else "township"


def _categories(sums: list[dict[str, Sums]]) -> dict[str, Counts]:
    found: dict[str, Counts] = {}
    for by_category in sums:
        for category, values in by_category.items():
            found[category] = found.get(category, Counts()) + Counts(values[0], values[1])
    return found


def _measure_totals(sums: list[dict[str, Sums]]) -> list[int]:
    totals = [0] * 5
    for by_category in sums:
        for values in by_category.values():
            totals = [a + b for a, b in zip(totals, values, strict=True)]
    return totals


def _ranked(units: list[UnitFigures]) -> list[UnitFigures]:
    """Best completion rate first; units that accepted nothing last."""
    ordered = sorted(
        units,
        key=lambda u: (u.total.rate is None, -(u.total.rate or 0), -u.total.accepted, u.code),
    )
    return [replace(unit, rank=i) for i, unit in enumerate(ordered, start=1)]


def _trend(sums: PeriodSums, since: date, until: date) -> list[MonthFigures]:
    months = []
    for month in months_between(since, until):
        categories = _categories([sums.by_month.get(month, {})])
        months.append(MonthFigures(month, categories, sum(categories.values(), Counts())))
    return months
