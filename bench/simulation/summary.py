"""Provides the end-of-run views: the prefecture's compliance summary and reconciliation.

Both reuse the hub's own code (central_hub.compliance, central_hub.reconcile), as the
prefecture reviewer and county admin would see them after the simulated year.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from central_hub.cli.compliance import print_tables
from central_hub.compliance import compliance, rebuild_rollups, rollups_ready
from central_hub.home import open_home as open_hub
from central_hub.reconcile import reconcile_table

__all__ = ["print_compliance", "reconcile_states"]

_SHOWN = ("compliance_cases", "compliance_supervision", "compliance_coverage")


def print_compliance(prefecture: Path, *, since: date, until: date) -> dict[str, Any]:
    """Prints the prefecture's per-county compliance tables for the simulated period and
    returns the prefecture totals row of the by-category table."""
    home = open_hub(prefecture)
    try:
        with home.engine.begin() as conn:
            if not rollups_ready(conn):
                rebuild_rollups(conn)
            report = compliance(conn, scope_county=None, since=since, until=until, today=until)
    finally:
        home.close()
    tables = [t for t in report.tables() if t.name in _SHOWN]
    print_tables(tables)
    return dict(tables[0].rows[-1]) if tables and tables[0].rows else {}


def reconcile_states(homes: dict[str, Path], console: Console) -> dict[str, dict[str, int]]:
    """Prints, per hub, how many nodes are in each reconciliation state (正常, 未同步完, 缺口…)
    and the events it received; returns {hub: {state: nodes}}."""
    table = RichTable(title="对账状态 Reconciliation by hub", title_justify="left")
    for label in ("中心 Hub", "节点 Nodes", "状态 States", "已收事件 Events", "重复批次 Dup"):
        table.add_column(label, justify="left" if "中心" in label or "状态" in label else "right")
    found: dict[str, dict[str, int]] = {}
    for name, path in homes.items():
        home = open_hub(path)
        try:
            rows = reconcile_table(home).rows
        finally:
            home.close()
        states = Counter(str(row["state"]) for row in rows)
        found[name] = dict(states)
        table.add_row(
            name,
            str(len(rows)),
            "、".join(f"{state} {n}" for state, n in sorted(states.items())),
            str(sum(int(row["events_received"] or 0) for row in rows)),
            str(sum(int(row["duplicates"] or 0) for row in rows)),
        )
    console.print(table)
    return found
