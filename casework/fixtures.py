"""Provides bundled reference data for demos and tests: sample catalogs, applicants, calendar.

Everything here is *invented* sample data (each item carries ``invented: true``; the files carry
a ``_note``), except the org tree and holiday data, which come from the sources listed in
docs/domain.md. ID numbers below are made up but have valid check digits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from casework.catalog import Catalog, catalog_from_dict
from casework.workdays import default_calendar

__all__ = [
    "SAMPLE_APPLICANTS",
    "default_calendar",
    "load_sample_catalog",
    "load_sample_county_catalog",
    "sample_accept_payload",
]

# Invented people; ID numbers have correct MOD 11-2 check digits.
SAMPLE_APPLICANTS: tuple[Mapping[str, str], ...] = (
    {
        "name": "吉克·阿呷",
        "id_type": "111",
        "id_number": "513431198503150023",
        "phone": "13908141234",
    },
    {
        "name": "沙马拉体",
        "id_type": "111",
        "id_number": "513402199208080037",
        "phone": "0834-3201234",
    },
    {
        "name": "ꀉꂿ ꃅꉌ",
        "id_type": "111",
        "id_number": "513401201806200047",
        "phone": "15181501234",
    },
    # 会理县 513425 was retired in 2021; people registered there keep the code for life.
    {"name": "张三", "id_type": "111", "id_number": "513425201001010028", "phone": ""},
)


def _load(resource: str) -> Catalog:
    text = resources.files("casework").joinpath(f"data/{resource}").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return catalog_from_dict(data)


@lru_cache(maxsize=1)
def load_sample_catalog() -> Catalog:
    """Return the invented prefecture sample catalog (about 100+ items, issuer 513400)."""
    return _load("sample_catalog.json")


@lru_cache(maxsize=1)
def load_sample_county_catalog() -> Catalog:
    """Return the invented local items of 昭觉县 (513431), to merge over the prefecture's."""
    return _load("sample_county_catalog_513431.json")


def sample_accept_payload(
    item_code: str, *, case_no: str, center_code: str, applicant: int = 0
) -> dict[str, Any]:
    """Build a valid ``accept`` payload for a sample catalog item.

    Args:
        item_code: Code of an item in :func:`load_sample_catalog`.
        case_no: Case number to use.
        center_code: Accepting center's org code.
        applicant: Index into ``SAMPLE_APPLICANTS``.

    Returns:
        The payload, including ``catalog_version`` and ``promised_limit_days``.
    """
    catalog = load_sample_catalog()
    item = catalog.get(item_code)
    return {
        "case_no": case_no,
        "center_code": center_code,
        "item_code": item.code,
        "category": item.category,
        "workflow": item.workflow,
        "applicant": dict(SAMPLE_APPLICANTS[applicant]),
        "catalog_version": catalog.version,
        "promised_limit_days": item.promised_limit_days,
    }
