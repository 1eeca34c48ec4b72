"""Provides finding a catalog item (or any named thing: the window's commands) by Chinese,
pinyin or initials ("hj" finds 户籍…).

Each character of an item's name may be typed as any prefix of any of its readings, so
"hukou", "hk", "huk" and "户口" all find 户口迁移, and a character with several readings
(重: zhong/chong) matches either. Matching starts at any character of the name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import casework

__all__ = ["ItemIndex", "SpellingIndex", "build_index"]

MAX_RESULTS = 50
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    name: str
    code: str
    value: T
    readings: tuple[tuple[str, ...], ...]
    """Per character of the name, its toneless readings (or the character itself)."""


class SpellingIndex(Generic[T]):
    """Named things, searchable as a clerk types: by name, pinyin, initials or code."""

    def __init__(self, entries: Sequence[_Entry[T]]) -> None:
        self._entries = tuple(entries)

    @classmethod
    def of(cls, named: Iterable[tuple[str, str, T]]) -> SpellingIndex[T]:
        """From (name, code, value) triples; reads every name's pinyin once."""
        return cls([_Entry(name, code, value, _readings(name)) for name, code, value in named])

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, *, limit: int = MAX_RESULTS) -> list[T]:
        """Values matching `query`, best first: by name, then by spelling, then by code."""
        wanted = "".join(query.split()).lower()
        if not wanted:
            return [entry.value for entry in self._entries[:limit]]
        ranked: list[tuple[int, str, T]] = []
        for entry in self._entries:
            rank = _rank(entry, wanted)
            if rank is not None:
                ranked.append((rank, entry.code, entry.value))
        ranked.sort(key=lambda found: found[:2])
        return [value for _, _, value in ranked[:limit]]


ItemIndex = SpellingIndex[casework.Item]
"""The items of a catalog."""


def build_index(items: Iterable[casework.Item]) -> ItemIndex:
    """Reads every item name's pinyin once (about 50 ms for the sample catalog)."""
    return SpellingIndex.of((item.name, item.code, item) for item in items)


def _rank(entry: _Entry[T], wanted: str) -> int | None:
    name = entry.name
    if wanted in name:
        return 0 if name.startswith(wanted) else 1
    if wanted.isascii():
        starts = [i for i in range(len(entry.readings)) if _spells(entry.readings, i, wanted)]
        if starts:
            return 2 if starts[0] == 0 else 3
        if wanted in entry.code.lower():
            return 4
    return None


def _spells(readings: tuple[tuple[str, ...], ...], start: int, wanted: str) -> bool:
    """Whether `wanted` is typed by consecutive characters from `start` on, each character
    giving a non-empty prefix of one of its readings."""
    ends = {0}
    for position in range(start, len(readings)):
        reached = {
            end + size
            for end in ends
            for reading in readings[position]
            for size in range(1, len(reading) + 1)
            if wanted.startswith(reading[:size], end)
        }
        if len(wanted) in reached:
            return True
        ends = reached
        if not ends:
            return False
    return False


def _readings(name: str) -> tuple[tuple[str, ...], ...]:
    pinyin = _pinyin()
    readings: list[tuple[str, ...]] = []
    for char in name:
        if char.isascii():
            readings.append((char.lower(),) if char.isalnum() else ())
            continue
        found = pinyin(char, style=0, heteronym=True, errors="ignore")
        spelled = tuple(dict.fromkeys(found[0])) if found and found[0] else ()
        readings.append(spelled)
    # Punctuation such as （ ） has no reading: drop it so "hkqytk" spans 户口迁移（投靠）.
    return tuple(reading for reading in readings if reading)


@lru_cache(maxsize=1)
def _pinyin():  # type: ignore[no-untyped-def]
    # The phrase dictionary costs ~45 MB and ~130 ms; per-character readings with all their
    # heteronyms match what a clerk types just as well, so load only those. Imported here so
    # the first screen never waits for it.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import pinyin

    return pinyin
