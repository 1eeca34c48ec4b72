"""Tests for the Liangshan org tree."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from casework import UnknownOrg, children_of, county_of, level_of, load_org_tree, org


def test_org_tree_holds_all_levels_when_loaded() -> None:
    levels = Counter(o.level for o in load_org_tree().values())
    assert levels == {"prefecture": 1, "county": 18, "township": 304}
    assert org("513400").name == "凉山彝族自治州"


def test_org_tree_has_17_county_units_when_asked_on_any_date() -> None:
    for day in (date(2020, 6, 1), date(2021, 1, 19), date(2021, 1, 20), date(2026, 11, 28)):
        in_force = [o for o in children_of("513400") if o.in_force(day)]
        assert len(in_force) == 17


@pytest.mark.parametrize(
    ("day", "huili"),
    [(date(2021, 1, 19), "513425"), (date(2021, 1, 20), "513402")],
)
def test_huili_code_changes_when_date_crosses_2021_01_20(day: date, huili: str) -> None:
    names = {o.code: o.name for o in children_of("513400") if o.in_force(day)}
    assert huili in names
    assert names[huili] in ("会理县", "会理市")


def test_retired_code_stays_resolvable_when_used_by_old_records() -> None:
    assert (org("513425").name, org("513425").valid_until) == ("会理县", date(2021, 1, 19))


@pytest.mark.parametrize(
    ("code", "level", "county"),
    [
        ("513431100", "township", "513431"),  # 昭觉县 新城镇
        ("513431100000", "township", "513431"),  # 12-digit Sichuan portal form
        ("513402001", "township", "513402"),  # a 会理市 street
        ("513429", "county", "513429"),
    ],
)
def test_level_and_county_resolve_when_code_known(code: str, level: str, county: str) -> None:
    assert (level_of(code), county_of(code).code) == (level, county)


def test_township_counts_match_reference_when_grouped_by_county() -> None:
    counts = Counter(o.parent_code for o in load_org_tree().values() if o.level == "township")
    assert (counts["513401"], counts["513431"], counts["513429"], counts["513422"]) == (
        25,
        20,
        12,
        27,
    )


@pytest.mark.parametrize("code", ["999999", "51343110", ""])
def test_org_raises_unknown_org_when_code_not_in_tree(code: str) -> None:
    with pytest.raises(UnknownOrg):
        org(code)


def test_county_of_raises_unknown_org_when_given_the_prefecture() -> None:
    with pytest.raises(UnknownOrg) as caught:
        county_of("513400")
    assert caught.value.code == "not_in_county"
