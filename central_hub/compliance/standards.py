"""Provides the standard checklist (便民服务中心达标) each service center is judged by at the hub.

A center meets the standard (达标) when every item of the fixed checklist below is recorded as
met. The seed counted 307 of 548 township centers meeting it in September 2018. The Sichuan
standard DB51/T 1618-2013 (乡镇(街道)便民服务中心建设规范) names the sections (一般要求, 建筑
设施, 工作设施, 标识, 应急管理, 进驻部门及项目) but its numbers were not read, so the checklist
records a judgement per item, with a note, instead of hard-coded thresholds (domain-china.md
§1.8: "make 达标 a checklist entity per center"). Each item says where it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..errors import HubError
from ..store import metadata, nodes

__all__ = [
    "CHECKLIST",
    "CenterStandard",
    "ChecklistItem",
    "StandardEntry",
    "center_standards",
    "center_standards_table",
    "set_standard",
]

center_standards_table = sa.Table(
    "center_standards",
    metadata,
    sa.Column("center_code", sa.String, primary_key=True),
    sa.Column("item_key", sa.String, primary_key=True),
    sa.Column("met", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("updated_at", sa.String, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One item of the standard checklist."""

    key: str
    label_zh: str
    label_en: str
    source: str


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "hall_area",
        "场所面积达标",
        "hall area meets the county's standard",
        "seed: 场地面积不达标, average hall 61.8 m²; DB51/T 1618 建筑设施",
    ),
    ChecklistItem(
        "open_hall",
        "独立开放式服务大厅",
        "a hall of its own, open-plan (前台后室)",
        "seed: 未配置单独的服务大厅, 建成敞开式的乡镇政务服务大厅",
    ),
    ChecklistItem(
        "window_setup",
        "窗口设置（含综合窗口）",
        "windows set up, including a comprehensive window",
        "seed: 各级政务中心必须设立综合窗口, 一窗受理、集成服务",
    ),
    ChecklistItem(
        "staffing",
        "人员配备",
        "dedicated staff at the windows",
        "seed: 窗口人员更换频繁; domain §1.8: ≥3 full-time staff, ≥2 at windows (蓬溪)",
    ),
    ChecklistItem(
        "items_stationed",
        "事项进驻",
        "the published items (国土, 农牧, 计生 …) are handled in the center",
        "seed: 国土、农牧、计生等部门…仍未进驻; DB51/T 1618 进驻部门及项目",
    ),
    ChecklistItem(
        "guides_public",
        "办事指南公开",
        "service guides complete and published",
        "seed: 办事指南缺失、不规范",
    ),
    ChecklistItem(
        "rules_posted",
        "制度上墙",
        "working rules posted in the hall",
        "DB51/T 1618 一般要求 (inferred: 首问负责, 一次性告知, 限时办结)",
    ),
    ChecklistItem(
        "signage",
        "统一标识",
        "the unified name and signs",
        "DB51/T 1618 标识; domain §1.8: unified name xx镇(街道)便民服务中心",
    ),
    ChecklistItem(
        "equipment",
        "工作设施",
        "working equipment (PC, link, ID reader, queueing)",
        "DB51/T 1618 工作设施",
    ),
    ChecklistItem(
        "emergency",
        "应急管理",
        "emergency arrangements",
        "DB51/T 1618 应急管理",
    ),
    ChecklistItem(
        "funding",
        "经费保障",
        "running costs funded",
        "seed: 资金保障不足",
    ),
)
_KEYS = tuple(item.key for item in CHECKLIST)


@dataclass(frozen=True, slots=True)
class StandardEntry:
    """One checklist item as recorded for one center."""

    item_key: str
    met: bool
    note: str
    updated_at: str
    updated_by: str


@dataclass(frozen=True, slots=True)
class CenterStandard:
    """A center's checklist; it meets the standard when every item is recorded as met."""

    center_code: str
    entries: Mapping[str, StandardEntry] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return all(key in self.entries and self.entries[key].met for key in _KEYS)

    @property
    def met_items(self) -> int:
        return sum(1 for key in _KEYS if key in self.entries and self.entries[key].met)

    @property
    def missing(self) -> tuple[str, ...]:
        """Items not met or not recorded yet, in checklist order."""
        return tuple(key for key in _KEYS if key not in self.entries or not self.entries[key].met)


def set_standard(
    conn: sa.Connection,
    center_code: str,
    item_key: str,
    *,
    met: bool,
    note: str = "",
    by: str,
    now: str,
) -> list[StandardEntry]:
    """Records one checklist item (or "all" of them) for a center.

    Raises:
        HubError: an unknown item, or a code that is no center of this hub.
    """
    keys = _KEYS if item_key == "all" else (item_key,)
    if item_key != "all" and item_key not in _KEYS:
        raise HubError(
            f"unknown checklist item {item_key!r}; one of: {', '.join(_KEYS)} (or all)",
            hint="`central-hub standard items` lists them",
        )
    _check_center(conn, center_code)
    metadata.create_all(conn, tables=[center_standards_table], checkfirst=True)
    table = center_standards_table
    entries = [StandardEntry(key, met, note, now, by) for key in keys]
    for entry in entries:
        conn.execute(
            table.delete().where(
                table.c.center_code == center_code, table.c.item_key == entry.item_key
            )
        )
        conn.execute(table.insert().values(center_code=center_code, **_values(entry)))
    return entries


def _values(entry: StandardEntry) -> dict[str, object]:
    return {
        "item_key": entry.item_key,
        "met": entry.met,
        "note": entry.note,
        "updated_at": entry.updated_at,
        "updated_by": entry.updated_by,
    }


def _check_center(conn: sa.Connection, center_code: str) -> None:
    """A center is an org of the Liangshan tree or one a node is enrolled for."""
    import casework

    if center_code in casework.load_org_tree():
        return
    enrolled = conn.execute(
        sa.select(nodes.c.node_id).where(nodes.c.center_code == center_code).limit(1)
    ).first()
    if enrolled is None:
        raise HubError(
            f"{center_code} is neither a Liangshan org code nor a center with an enrolled node",
            hint="use the center's 6- or 9-digit code, e.g. 513431100",
        )


def center_standards(
    conn: sa.Connection, *, scope_county: str | None = None, centers: Iterable[str] = ()
) -> dict[str, CenterStandard]:
    """The recorded checklists (center code -> checklist), for one county or all; centers
    named in `centers` are included even with nothing recorded."""
    metadata.create_all(conn, tables=[center_standards_table], checkfirst=True)
    table = center_standards_table
    query = sa.select(table).order_by(table.c.center_code, table.c.item_key)
    if scope_county is not None:
        query = query.where(sa.func.substr(table.c.center_code, 1, 6) == scope_county)
    found: dict[str, dict[str, StandardEntry]] = {code: {} for code in centers}
    for row in conn.execute(query):
        entry = StandardEntry(row.item_key, bool(row.met), row.note, row.updated_at, row.updated_by)
        found.setdefault(row.center_code, {})[row.item_key] = entry
    return {code: CenterStandard(code, entries) for code, entries in sorted(found.items())}
