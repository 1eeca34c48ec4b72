"""Provides the cell parsers of the catalog spreadsheet importer: one function per column kind.

Each parser takes the cell text and returns the typed value or raises :class:`CellError` with a
Chinese explanation that the importer turns into a :class:`~casework.errors.RowError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from casework.catalog.items import Delegation, Material
from casework.codes import CATEGORIES, LEVELS, POWER_SOURCES, WORKFLOWS
from casework.errors import CaseworkError
from casework.money import parse_yuan

__all__ = ["PARSERS", "CellError", "parse_delegations"]

_LIST_SEPARATORS = re.compile(r"[;；\n]+")
_YES = frozenset({"是", "y", "yes", "true", "1", "√"})
_NO = frozenset({"否", "n", "no", "false", "0", ""})
_LEVEL_WORDS = {
    "州级": "prefecture",
    "州": "prefecture",
    "县级": "county",
    "县": "county",
    "乡镇级": "township",
    "乡镇": "township",
    "乡镇（街道）级": "township",
    **{k: k for k in LEVELS},
}
_WORKFLOW_WORDS = {
    "五步": "five_step",
    "五环节": "five_step",
    "两步": "two_step",
    "二步": "two_step",
    "两环节": "two_step",
    **{k: k for k in WORKFLOWS},
}
_DEPTH_WORDS = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}
_MATERIAL_FLAGS = {
    "关键": ("key", True),
    "key": ("key", True),
    "证明": ("certificate", "kept"),
    "保留证明": ("certificate", "kept"),
    "kept": ("certificate", "kept"),
    "已取消": ("certificate", "cancelled"),
    "已取消证明": ("certificate", "cancelled"),
    "cancelled": ("certificate", "cancelled"),
    "可承诺": ("promise_allowed", True),
    "告知承诺": ("promise_allowed", True),
    "promise": ("promise_allowed", True),
}
_DELEGATION = re.compile(
    r"(\S+?)\s*(?:>|→|->)\s*(\S+?)\s*@\s*(\d{4}-\d{2}-\d{2})"
    r"(?:\s*~\s*(\d{4}-\d{2}-\d{2}))?"
)


class CellError(Exception):
    """A cell value that cannot be parsed; the importer turns it into a RowError."""


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError(f"应为“是”或“否”（yes/no），而不是“{text}”")


def _whole_days(text: str) -> int | None:
    word = text.strip()
    if not word:
        return None
    if word == "即办":
        return 0
    if not re.fullmatch(r"\d+(?:\.0+)?", word):
        raise CellError(f"应为工作日天数（非负整数），而不是“{text}”")
    return int(float(word))


def _choice(words: Mapping[str, str], label: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            return words[text.strip()]
        except KeyError:
            raise CellError(f"{label}应为 {'、'.join(words)} 之一，而不是“{text}”") from None

    return parse


_category = _choice({**{v: k for k, v in CATEGORIES.items()}, **{k: k for k in CATEGORIES}}, "类别")
_workflow = _choice(_WORKFLOW_WORDS, "办理流程")


def _power_source(text: str) -> str:
    word = text.strip() or "1"
    by_label = {label: code for code, label in POWER_SOURCES.items()}
    if word in POWER_SOURCES or word in by_label:
        return by_label.get(word, word)
    raise CellError(f"权力来源应为 1-6 或其名称（如“上级下放”），而不是“{text}”")


def _type_code(text: str) -> str:
    word = text.strip()
    if re.fullmatch(r"\d{1,2}", word):
        return word.zfill(2)  # Excel turns "01" into the number 1
    raise CellError(f"事项类型代码应为两位数字（GB/T 39046 附录A.1，如 01），而不是“{text}”")


def _levels(text: str) -> frozenset[str]:
    words = [w.strip() for w in re.split(r"[;；,，、/]+", text) if w.strip()]
    unknown = [w for w in words if w not in _LEVEL_WORDS]
    if unknown or not words:
        raise CellError(f"行使层级应为 州级、县级、乡镇级 的组合，无法识别“{text}”")
    return frozenset(_LEVEL_WORDS[w] for w in words)


def _day(text: str) -> date | None:
    word = text.strip()
    try:
        return date.fromisoformat(word) if word else None
    except ValueError:
        raise CellError(f"日期应为 YYYY-MM-DD 格式，而不是“{text}”") from None


def _depth(text: str) -> int:
    word = text.strip().removesuffix("级")
    if word in _DEPTH_WORDS:
        return _DEPTH_WORDS[word]
    if word in ("", "0", "1", "2", "3", "4"):
        return int(word or 0)
    raise CellError(f"网办深度应为 0-4 或 Ⅰ-Ⅳ，而不是“{text}”")


def _fee(text: str) -> Any:
    amount = parse_yuan(text.strip() or "0")
    if amount is None:
        raise CellError(f"收费标准应为以元计的非负金额（最多两位小数），而不是“{text}”")
    return amount


def _material(entry: str) -> Material:
    match = re.fullmatch(r"([^\[【]+)((?:\s*[\[【][^\]】]*[\]】])*)", entry.strip())
    if not match:
        raise CellError(f"材料“{entry}”格式错误，应为 名称[标记]，如 居民身份证[关键]")
    options: dict[str, Any] = {}
    for flag in re.findall(r"[\[【]([^\]】]*)[\]】]", match.group(2)):
        if flag.strip() not in _MATERIAL_FLAGS:
            raise CellError(f"材料标记“{flag}”无法识别（可用：关键、证明、已取消、可承诺）")
        attribute, value = _MATERIAL_FLAGS[flag.strip()]
        options[attribute] = value
    try:
        return Material(name=match.group(1).strip(), **options)
    except CaseworkError as exc:
        raise CellError(exc.message_zh) from None


def _materials(text: str) -> tuple[Material, ...]:
    return tuple(_material(e) for e in _LIST_SEPARATORS.split(text) if e.strip())


def parse_delegations(text: str, basis: str) -> tuple[Delegation, ...]:
    records = []
    for entry in (e.strip() for e in _LIST_SEPARATORS.split(text) if e.strip()):
        match = _DELEGATION.fullmatch(entry)
        if not match or match.group(1) not in _LEVEL_WORDS or match.group(2) not in _LEVEL_WORDS:
            raise CellError(f"下放记录“{entry}”格式错误，应为 县级>乡镇级@2021-03-01[~2023-12-31]")
        try:
            records.append(
                Delegation(
                    _LEVEL_WORDS[match.group(1)],
                    _LEVEL_WORDS[match.group(2)],
                    date.fromisoformat(match.group(3)),
                    _day(match.group(4) or ""),
                    basis.strip(),
                )
            )
        except (ValueError, CaseworkError) as exc:
            raise CellError(f"下放记录“{entry}”无效：{exc}") from None
    return tuple(records)


PARSERS: Mapping[str, Callable[[str], Any]] = {
    "code": str.strip,
    "name": str.strip,
    "department": str.strip,
    "category": _category,
    "type_code": _type_code,
    "levels": _levels,
    "power_source": _power_source,
    "statutory_limit_days": _whole_days,
    "promised_limit_days": _whole_days,
    "charged": _flag,
    "fee_standard_yuan": _fee,
    "online": _flag,
    "online_depth": _depth,
    "workflow": _workflow,
    "single_window": _flag,
    "valid_from": _day,
    "valid_until": _day,
    "materials": _materials,
}
