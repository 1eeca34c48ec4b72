"""Finding an item as a clerk types: Chinese, full pinyin, initials, mixed, either reading."""

from __future__ import annotations

import pytest

import casework
from township_node.item_search import build_index


@pytest.fixture(scope="module")
def index():
    return build_index(casework.load_sample_catalog().items.values())


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("户口", "户口迁移（投靠）"),  # Chinese
        ("hukou", "户口迁移（投靠）"),  # full pinyin
        ("hkqy", "户口迁移（投靠）"),  # initials
        ("hukqy", "户口迁移（投靠）"),  # mixed, a syllable cut short
        ("hkqytk", "户口迁移（投靠）"),  # brackets have no reading and are skipped
        ("zdsh", "最低生活保障审核确认"),
        ("zhongdu", "重度残疾人护理补贴申请"),  # 重 read zhòng
        ("chongdu", "重度残疾人护理补贴申请"),  # …or chóng: either reading finds it
        ("ZDSH", "最低生活保障审核确认"),  # case does not matter
        ("mz-001", "最低生活保障审核确认"),  # the item code
    ],
)
def test_search_puts_the_item_first(index, typed, first):
    assert index.search(typed)[0].name == first


def test_search_matches_from_any_character_after_the_name_starts(index):
    names = [item.name for item in index.search("hk")]
    assert names.index("户口迁移（投靠）") < names.index("死亡注销户口")


def test_search_finds_nothing_for_a_spelling_no_item_has(index):
    assert index.search("xyzzy") == []
