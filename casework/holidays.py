"""Provides calendar layers: published rest days and make-up workdays, as plain data.

A :class:`CalendarLayer` says, for the years it covers, which dates are rest days and which
weekend dates are make-up workdays (调休上班). Layers are stacked by scope (national → prefecture
→ county → center) in :class:`casework.workdays.WorkCalendar`; the more local layer wins.

Sources (domain-china.md §3): national holidays come from the ``chinesecalendar`` package
(State Council notices, 2004–2026 in 1.11.0; an uncovered year raises ``NotImplementedError``);
Liangshan's own holidays (火把节, 彝历新年, 州庆, 民族团结进步节) from the 州政府办 notices
collected in ``data/liangshan-local-holidays.json``. Next year's layers are published by the
prefecture and travel signed with the catalog (signing is not done here).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]  # ships no py.typed

from casework.errors import InvalidCalendarLayer

__all__ = [
    "SCOPES",
    "CalendarLayer",
    "layer_from_dict",
    "layer_to_dict",
    "liangshan_layer",
    "national_layer",
]

SCOPES = ("national", "prefecture", "county", "center")
# Years probed for chinesecalendar coverage; it raises NotImplementedError outside its data.
_PROBE_YEARS = range(2000, 2101)


@dataclass(frozen=True, slots=True)
class CalendarLayer:
    """One published layer of rest days and make-up workdays.

    Attributes:
        name: Who publishes it, e.g. ``"national"``, ``"liangshan"``, ``"center-513431100"``.
        version: Version string of the published data; recorded with each deadline.
        year_coverage: Years for which this layer is complete. A date in a year that no layer
            covers is counted Monday–Friday and marked provisional.
        rest_days: Dates off work (a weekday holiday, or a weekend inside a holiday block).
        work_days: Weekend dates that are workdays (调休上班).
        scope: ``"national"``, ``"prefecture"``, ``"county"`` or ``"center"``; decides the
            stacking order (a more local scope overrides a wider one).
    """

    name: str
    version: str
    year_coverage: frozenset[int] = frozenset()
    rest_days: frozenset[date] = frozenset()
    work_days: frozenset[date] = frozenset()
    scope: str = "prefecture"

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise InvalidCalendarLayer(
                f"calendar layer {self.name!r}: scope must be one of {', '.join(SCOPES)}",
                message_zh=f"日历图层 {self.name} 的范围无效",
                field="scope",
            )
        both = sorted(self.rest_days & self.work_days)
        if both:
            raise InvalidCalendarLayer(
                f"calendar layer {self.name!r} lists {both[0].isoformat()} as both rest day "
                "and workday",
                message_zh=f"日历图层 {self.name} 中 {both[0].isoformat()} 同时为休息日和工作日",
                field="work_days",
            )


def layer_to_dict(layer: CalendarLayer) -> dict[str, Any]:
    """Return a layer as a JSON-able dict with deterministic order.

    Args:
        layer: The layer.

    Returns:
        ``{"name", "version", "scope", "year_coverage", "rest_days", "work_days"}`` with sorted
        lists and ISO dates.
    """
    return {
        "name": layer.name,
        "version": layer.version,
        "scope": layer.scope,
        "year_coverage": sorted(layer.year_coverage),
        "rest_days": [d.isoformat() for d in sorted(layer.rest_days)],
        "work_days": [d.isoformat() for d in sorted(layer.work_days)],
    }


def _dates(data: Mapping[str, Any], key: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(text) for text in data.get(key, ()))
    except (TypeError, ValueError) as exc:
        raise InvalidCalendarLayer(
            f"calendar layer field {key!r} must be a list of ISO dates: {exc}",
            message_zh=f"日历图层字段 {key} 应为 ISO 日期列表",
            field=key,
        ) from exc


def layer_from_dict(data: Mapping[str, Any]) -> CalendarLayer:
    """Build a layer from the dict made by :func:`layer_to_dict`.

    Args:
        data: The dict (e.g. decoded from a signed prefecture publication).

    Returns:
        The layer.

    Raises:
        InvalidCalendarLayer: A field is missing or malformed.
    """
    if not isinstance(data, Mapping):  # a file or a signed document from elsewhere
        raise InvalidCalendarLayer(
            "calendar layer must be a JSON object",
            message_zh="日历图层应为 JSON 对象",
            field="name",
        )
    name, version = data.get("name"), data.get("version")
    years = data.get("year_coverage", ())
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        raise InvalidCalendarLayer(
            "calendar layer needs a non-empty name and version",
            message_zh="日历图层缺少名称或版本",
            field="name",
        )
    if not isinstance(years, list | tuple) or not all(
        isinstance(y, int) and not isinstance(y, bool) for y in years
    ):
        raise InvalidCalendarLayer(
            "calendar layer year_coverage must be a list of integers",
            message_zh="日历图层的覆盖年份应为整数列表",
            field="year_coverage",
        )
    return CalendarLayer(
        name=name,
        version=version,
        year_coverage=frozenset(years),
        rest_days=_dates(data, "rest_days"),
        work_days=_dates(data, "work_days"),
        scope=str(data.get("scope", "prefecture")),
    )


def _national_years() -> frozenset[int]:
    covered = set()
    for year in _PROBE_YEARS:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        covered.add(year)
    return frozenset(covered)


@lru_cache(maxsize=1)
def national_layer() -> CalendarLayer:
    """Return the national layer built from the installed ``chinesecalendar`` package.

    Coverage is probed (``NotImplementedError`` means "no data for that year"), so upgrading
    the package extends coverage without a code change.

    Returns:
        The layer, scope ``"national"``, version ``"chinesecalendar-<version>"``.
    """
    years = _national_years()
    return CalendarLayer(
        name="national",
        version=f"chinesecalendar-{chinese_calendar.__version__}",
        year_coverage=years,
        rest_days=frozenset(d for d in chinese_calendar.holidays if d.year in years),
        work_days=frozenset(d for d in chinese_calendar.workdays if d.year in years),
        scope="national",
    )


def _date_range(first: str, last: str) -> Iterable[date]:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        yield day
        day += timedelta(days=1)


def _is_complete(entry: Mapping[str, Any]) -> bool:
    return bool(entry.get("rest")) and not entry.get("incomplete") and not entry.get("unknown")


@lru_cache(maxsize=1)
def liangshan_layer() -> CalendarLayer:
    """Return Liangshan's prefecture layer from the bundled holiday file.

    Years marked ``incomplete`` (2021, 2024) still contribute the dates that were read but do
    not count as covered; unknown years (2025, 2026) contribute nothing.

    Returns:
        The layer ``"liangshan"``, scope ``"prefecture"``, versioned by a content hash.
    """
    raw = resources.files("casework").joinpath("data/liangshan-local-holidays.json").read_bytes()
    data = json.loads(raw)
    rest: set[date] = set()
    work: set[date] = set()
    covered: set[int] = set()
    for key, entry in data.items():
        if not key.isdigit():
            continue
        for first, last, _name in entry.get("rest", ()):
            rest.update(_date_range(first, last))
        work.update(date.fromisoformat(text) for text in entry.get("work", ()))
        if _is_complete(entry):
            covered.add(int(key))
    return CalendarLayer(
        name="liangshan",
        version=f"liangshan-local-holidays-{hashlib.sha256(raw).hexdigest()[:12]}",
        year_coverage=frozenset(covered),
        rest_days=frozenset(rest),
        work_days=frozenset(work),
        scope="prefecture",
    )
