"""Provides the hub's reports: accepted and completed cases by category per org unit,
laid out as the prefecture's annual report tables them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rich.table import Table

from .home import HubHome
from .store import cases, nodes

__all__ = ["CATEGORY_LABELS", "ReportRow", "case_report", "report_table"]

CATEGORY_LABELS = {
    "licensing": "行政许可",
    "other_admin": "其他行政权力",
    "public_service": "公共服务",
    "convenience": "便民服务",
}
_DONE = ("completed", "delivered")


@dataclass(frozen=True, slots=True)
class ReportRow:
    org_code: str
    org_name: str
    category: str
    accepted: int
    completed: int

    @property
    def completion_rate(self) -> float:
        return self.completed / self.accepted if self.accepted else 0.0


def case_report(home: HubHome, *, since: str = "", until: str = "") -> list[ReportRow]:
    """Counts cases by service center and category (accepted in [since, until))."""
    completed = sa.func.sum(sa.case((cases.c.status.in_(_DONE), 1), else_=0))
    query = sa.select(cases.c.center_code, cases.c.category, sa.func.count(), completed).group_by(
        cases.c.center_code, cases.c.category
    )
    if since:
        query = query.where(cases.c.accepted_at >= since)
    if until:
        query = query.where(cases.c.accepted_at < until)
    with home.engine.connect() as conn:
        names = dict(
            conn.execute(
                sa.select(nodes.c.center_code, nodes.c.name).where(nodes.c.kind == "node")
            ).all()
        )
        rows = conn.execute(query.order_by(cases.c.center_code, cases.c.category)).all()
    return [
        ReportRow(code, names.get(code, code), category, int(accepted), int(done or 0))
        for code, category, accepted, done in rows
    ]


def report_table(rows: list[dict[str, Any]]) -> Table:
    """The report as a terminal table (Chinese labels, aligned for wide characters)."""
    table = Table(title="办件统计 (cases by category)", title_justify="left")
    for label, justify in (
        ("单位代码", "left"),
        ("单位", "left"),
        ("类别", "left"),
        ("受理", "right"),
        ("办结", "right"),
        ("办结率", "right"),
    ):
        table.add_column(label, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row["org_code"],
            row["org_name"],
            row["category_label"],
            str(row["accepted"]),
            str(row["completed"]),
            f"{row['completion_rate']:.1%}",
        )
    return table
