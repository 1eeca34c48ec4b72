"""Provides the dashboard's search box: a case by its number, a township or county by its name.

A clerk reads a case number off a citizen's receipt (513431100-20261128-010007) and a county
admin types a township's name (新城); both are looked up in the person's scope only. What is
typed is read as a person types it: full-width digits and dashes (５１３４３１－) count as
ASCII, spaces around are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import casework

from .context import ViewContext, center_name, county_codes_in_view
from .errors import BadQuery
from .queries import cases_numbered

__all__ = ["SEARCH_LIMIT", "SearchResults", "search"]

SEARCH_LIMIT = 50
"""Matches listed of each kind; the page says when there are more."""
_LONGEST_QUERY = 40
_CASE_NO_PART = re.compile(r"[0-9-]{6,}")
"""Six or more digits and dashes: a case number, whole or in part (a shorter run of digits
would match most cases of a day)."""
_CENTER_PREFIX = re.compile(r"(\d{9})-")


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    units: list[dict[str, str]]
    """Counties and townships in view whose name or code holds the query: code, name, level
    (县（市） or 乡镇（街道）) and href suffix (county/<code> or township/<code>)."""
    cases: list[dict[str, Any]]
    more_cases: bool

    @property
    def only_match(self) -> str:
        """The one place to go when the query names exactly one case or unit, else ""."""
        whole_cases = [c for c in self.cases if c["case_no"] == self.query]
        if len(whole_cases) == 1:
            return f"case/{whole_cases[0]['case_id']}"
        named = [u for u in self.units if self.query in (u["name"], u["code"])]
        if len(named) == 1 and not self.cases:
            return named[0]["path"]
        return ""


def normalized_query(typed: str) -> str:
    """What was typed, as it is searched: NFKC (full-width to ASCII), dashes unified, trimmed.

    Raises:
        BadQuery: longer than any case number or unit name.
    """
    text = unicodedata.normalize("NFKC", typed).strip()
    text = re.sub("[\u2010-\u2015\u2212\u30fc\uff0d]", "-", text)  # －, —, − typed for -
    if len(text) > _LONGEST_QUERY:
        raise BadQuery(
            f"search text of {len(text)} characters",
            message_zh=f"搜索内容太长（{len(text)} 个字），"
            f"办件编号或乡镇名称不超过 {_LONGEST_QUERY} 个字",
        )
    return text


def search(ctx: ViewContext, typed: str) -> SearchResults:
    """Cases and units in the person's view matching what was typed ("" finds nothing)."""
    query = normalized_query(typed)
    if not query:
        return SearchResults("", [], [], more_cases=False)
    found_cases = _cases_matching(ctx, query) if _CASE_NO_PART.fullmatch(query) else []
    return SearchResults(
        query,
        _units_matching(ctx, query),
        found_cases[:SEARCH_LIMIT],
        more_cases=len(found_cases) > SEARCH_LIMIT,
    )


def _units_matching(ctx: ViewContext, query: str) -> list[dict[str, str]]:
    found = []
    for county in county_codes_in_view(ctx):
        units = [casework.org(county), *casework.children_of(county)]
        for unit in units:
            if query in unit.name or (query.isdigit() and unit.code.startswith(query)):
                county_level = unit.level == "county"
                found.append(
                    {
                        "code": unit.code,
                        "name": unit.name,
                        "level": "县（市）" if county_level else "乡镇（街道）",
                        "county_name": casework.org(county).name,
                        "path": f"{'county' if county_level else 'township'}/{unit.code}",
                    }
                )
    return found


def _cases_matching(ctx: ViewContext, query: str) -> list[dict[str, Any]]:
    """Cases whose number holds the query, in view through their center or a party to them.

    A number that starts with its 9-digit center code is looked up by that center (indexed);
    a part of one is searched in the counties in view."""
    prefix = _CENTER_PREFIX.match(query)
    rows = cases_numbered(
        ctx.engine, ctx.scope, query, center=prefix[1] if prefix else "", limit=SEARCH_LIMIT + 1
    )
    for row in rows:
        row["center_name"] = center_name(row["center_code"])
        row["status_label"] = casework.STATUS_LABELS_ZH.get(row["status"], row["status"])
    return rows
