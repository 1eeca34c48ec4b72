"""Provides `central-hub compliance` and `central-hub standard`.

central-hub compliance [--json | --csv FILE | --xlsx FILE] [--since DATE --until DATE]
                       [--county CODE] [--silent-days N] [--today DATE] [--rebuild]
central-hub standard set CENTER ITEM --met|--not-met [--note TEXT] [--by NAME]
central-hub standard list [--county CODE] [--center CODE]
central-hub standard items
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import HubError
from ..home import write_private_file
from ..tables import Column, Table
from .common import open_from_args as _open

__all__ = ["add_compliance_commands"]

_SHOWN_ROWS = 30


def add_compliance_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "compliance",
        parents=[common],
        help="compliance per county (or per township of one county) over a period",
    )
    p.add_argument("--since", type=_date, help="first China date (default: 1 January)")
    p.add_argument("--until", type=_date, help="last China date, included (default: today)")
    p.add_argument("--county", default="", help="one county's 6-digit code (its townships)")
    p.add_argument("--silent-days", type=int, default=7, help="days without news = silent")
    p.add_argument("--today", type=_date, help="judge warnings and silence at this date")
    p.add_argument("--csv", type=Path, help="write the by-category table as CSV")
    p.add_argument("--xlsx", type=Path, help="write every table, one sheet each")
    p.add_argument("--rebuild", action="store_true", help="recount the rollups first")
    p.set_defaults(handler=_compliance)

    standard = sub.add_parser(
        "standard", help="the service-center standard checklist (达标)"
    ).add_subparsers(title="standard")
    p = standard.add_parser("set", parents=[common], help="record one checklist item (or all)")
    p.add_argument("center", help="the center's org code, e.g. 513431100")
    p.add_argument("item", help="a checklist key (see `central-hub standard items`) or all")
    met = p.add_mutually_exclusive_group(required=True)
    met.add_argument("--met", dest="met", action="store_true", default=None)
    met.add_argument("--not-met", dest="met", action="store_false")
    p.add_argument("--note", default="", help="what was seen, e.g. 大厅面积 45 平方米")
    p.add_argument("--by", default="", help="who checked (default: this login)")
    p.set_defaults(handler=_standard_set)
    p = standard.add_parser("list", parents=[common], help="each center's checklist")
    p.add_argument("--county", default="", help="one county's centers")
    p.add_argument("--center", default="", help="one center")
    p.set_defaults(handler=_standard_list)
    p = standard.add_parser("items", parents=[common], help="the checklist and its sources")
    p.set_defaults(handler=_standard_items)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _china_today() -> date:
    import casework

    return casework.local_date(datetime.now(UTC))


def _scope(args: argparse.Namespace, tier: str, org_code: str) -> str | None:
    county = args.county.strip() or None
    if tier == "county":
        if county not in (None, org_code):
            raise HubError(f"this county hub holds {org_code} only, not {county}")
        return org_code
    if county is not None and not (county.isdigit() and len(county) == 6):
        raise HubError(f"--county {county!r} must be a 6-digit county code, e.g. 513431")
    return county


def _compliance(args: argparse.Namespace) -> dict[str, Any] | None:
    from ..compliance import compliance, rebuild_rollups, rollups_ready

    if sum(bool(x) for x in (args.json, args.csv, args.xlsx)) > 1:
        raise HubError("choose one of --json, --csv FILE and --xlsx FILE")
    home = _open(args)
    today = args.today or _china_today()
    since, until = args.since or today.replace(month=1, day=1), args.until or today
    scope = _scope(args, home.config.tier, home.config.org_code)
    with home.engine.begin() as conn:
        if args.rebuild or not rollups_ready(conn):
            print("重建统计汇总 rebuilding the rollups…", file=sys.stderr, flush=True)
            rebuild_rollups(conn, progress=_counter("汇总 counted"))
        with _slow_notice("计算中 computing…"):
            report = compliance(
                conn,
                scope_county=scope,
                since=since,
                until=until,
                today=today,
                silent_days=args.silent_days,
            )
    return _output(args, report)


def _output(args: argparse.Namespace, report: Any) -> dict[str, Any] | None:
    from ..tables import table_to_csv, table_to_xlsx

    tables: list[Table] = report.tables()
    if args.json:
        return dict(report.to_dict())
    if args.csv:
        write_private_file(args.csv, table_to_csv(tables[0]))
        print(f"{args.csv}: {tables[0].title_zh}, {len(tables[0].rows)} 行 rows")
    elif args.xlsx:
        write_private_file(args.xlsx, table_to_xlsx(tables))
        print(f"{args.xlsx}: {len(tables)} 张表 sheets")
    else:
        scope = report.scope_county or "全州 prefecture"
        period = f"{report.since} – {report.until}"
        print(f"合规情况 compliance: {scope}, {period}（{report.today} 判定 judged）")
        print_tables(tables)
    return None


def print_tables(tables: Sequence[Table]) -> None:
    """Prints tables on a terminal: Chinese headers, numbers right-aligned, per-unit tables
    without the units that have nothing to show, long lists cut to their first rows."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    for table in tables:
        shown, hidden = _terminal_view(table)
        rich = RichTable(title=f"{shown.title_zh} {shown.title_en}", title_justify="left")
        for column in shown.columns:
            rich.add_column(column.label_zh, justify="right" if column.is_numeric else "left")
        for row in shown.rows[:_SHOWN_ROWS]:
            rich.add_row(*(shown.cell_text(row, column) for column in shown.columns))
        console.print(rich if shown.rows else f"{shown.title_zh}：无 (none)")
        left = max(0, len(shown.rows) - _SHOWN_ROWS)
        if hidden or left:
            console.print(
                f"（另有 {hidden} 个单位无数据，{left} 行未显示；--xlsx FILE 导出全部）"
                f" ({hidden} units with nothing, {left} rows not shown)"
            )


_UNIT_TABLES = ("compliance_cases", "compliance_supervision", "compliance_coverage")


def _terminal_view(table: Table) -> tuple[Table, int]:
    """The table as a terminal shows it, and how many rows of idle units it leaves out."""
    from dataclasses import replace

    table = _china_times(table)
    if table.name not in _UNIT_TABLES:
        return table, 0
    figures = [c.key for c in table.columns if c.kind in ("int", "pct") and c.key != "rank"]
    *units, total = table.rows
    busy = [row for row in units if any(row.get(key) for key in figures)]
    view = replace(table, rows=[*busy, total])
    if table.name == "compliance_cases":
        view = _cases_compact(view)
    return view, len(units) - len(busy)


def _china_times(table: Table) -> Table:
    """UTC wire timestamps as China wall-clock text, as a reviewer reads them."""
    from dataclasses import replace

    import casework
    from sync_protocol import parse_timestamp

    keys = [c.key for c in table.columns if c.kind == "datetime"]
    if not keys:
        return table

    def local(value: Any) -> Any:
        if not value:
            return value
        moment = parse_timestamp(str(value)).astimezone(casework.CHINA_TZ)
        return moment.strftime("%Y-%m-%d %H:%M")

    columns = tuple(replace(c, kind="text") if c.key in keys else c for c in table.columns)
    rows = [row | {key: local(row.get(key)) for key in keys} for row in table.rows]
    return replace(table, columns=columns, rows=rows)


def _cases_compact(table: Table) -> Table:
    """受理/办结 in one cell per category, so the seed's layout fits a terminal."""
    import casework

    columns = [c for c in table.columns[:3]]
    columns += [
        Column(category, f"{label} 受理/办结", category)
        for category, label in casework.CATEGORIES.items()
    ]
    columns += [c for c in table.columns if c.key in ("accepted", "completed", "rate")]
    rows = [
        row
        | {
            category: f"{row[f'{category}_accepted']}/{row[f'{category}_completed']}"
            for category in casework.CATEGORIES
        }
        for row in table.rows
    ]
    return Table(table.name, table.title_zh, table.title_en, tuple(columns), rows, table.links)


def _counter(label: str) -> Any:
    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{label} {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


@contextmanager
def _slow_notice(text: str, after: float = 1.0) -> Iterator[None]:
    """Says on stderr that work is going on, only when it takes more than a moment."""
    timer = threading.Timer(after, lambda: print(text, file=sys.stderr, flush=True))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _standard_set(args: argparse.Namespace) -> dict[str, Any]:
    import getpass

    from sync_protocol import format_timestamp

    from ..compliance import center_standards, set_standard

    home = _open(args)
    by = args.by or getpass.getuser()
    with home.engine.begin() as conn:
        entries = set_standard(
            conn,
            args.center,
            args.item,
            met=bool(args.met),
            note=args.note,
            by=by,
            now=format_timestamp(datetime.now(UTC)),
        )
        standard = center_standards(conn, centers=[args.center])[args.center]
    return {
        "center": args.center,
        "items": [entry.item_key for entry in entries],
        "met": bool(args.met),
        "center_meets_standard": standard.met,
        "missing": list(standard.missing),
    }


def _standard_list(args: argparse.Namespace) -> dict[str, Any] | None:
    from ..compliance import CHECKLIST, center_standards

    home = _open(args)
    with home.engine.connect() as conn:
        found = center_standards(conn, scope_county=args.county or None)
    rows: list[dict[str, Any]] = [
        {
            "center_code": code,
            "met": standard.met,
            "met_items": standard.met_items,
            "missing": list(standard.missing),
        }
        for code, standard in found.items()
        if not args.center or code == args.center
    ]
    if args.json:
        return {"checklist_items": len(CHECKLIST), "centers": rows}
    table = Table(
        "standards",
        "便民服务中心达标核查",
        "Standard checklists",
        (
            Column("center_code", "区划代码", "center"),
            Column("met", "是否达标", "meets"),
            Column("met_items", f"达标项（共{len(CHECKLIST)}项）", "items met", "int"),
            Column("missing", "未达标或未核查项", "not met or not checked"),
        ),
        [
            row | {"met": "达标" if row["met"] else "未达标", "missing": "、".join(row["missing"])}
            for row in rows
        ],
    )
    print_tables([table])
    return None


def _standard_items(args: argparse.Namespace) -> dict[str, Any]:
    from ..compliance import CHECKLIST

    return {
        "items": [
            {"key": i.key, "label_zh": i.label_zh, "label_en": i.label_en, "source": i.source}
            for i in CHECKLIST
        ]
    }
