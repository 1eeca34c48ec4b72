"""Provides a node home with many local cases, written fast for the window's benchmarks.

Recording 100,000 cases through CaseBook takes minutes of setup that measure nothing the
window does, so this writes the same rows directly: a real canonical `accept` event per case
(so a case page opens as usual) and its projection row, over a year of working hours, with
a realistic mix of statuses and due dates (each due date counted by the real calendar).
"""

from __future__ import annotations

import random
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import casework  # noqa: E402
from sync_protocol import Event, encode_event, format_timestamp, new_event_id  # noqa: E402
from tests.factories import applicant_stream  # noqa: E402
from township_node.clerks import ClerkBook  # noqa: E402
from township_node.home import init_home  # noqa: E402

__all__ = ["ADMIN_PIN", "CENTER", "fill_home"]

CENTER = "513431100"
ADMIN_PIN = "246810"
# Closed cases dominate a year's history; what is open is mostly at its first steps.
_STATUSES = (
    ("delivered", 0.55),
    ("completed", 0.15),
    ("accepted", 0.12),
    ("handled", 0.06),
    ("reviewed", 0.03),
    ("approved", 0.03),
    ("awaiting_supplement", 0.03),
    ("refused", 0.03),
)


def fill_home(path: Path, cases: int, *, now: datetime, seed: int = 4) -> Path:
    """Creates a node home at `path` with the admin (PIN 246810) and `cases` cases."""
    with init_home(path, center_code=CENTER, name="新城镇便民服务中心") as home:
        ClerkBook(home).create_admin(ADMIN_PIN)
        node_id = home.node_id
        conn = home.conn
        conn.execute("PRAGMA synchronous=OFF")  # setup, not the measured part
        conn.execute("BEGIN")
        _write(conn, node_id, cases, now=now, rng=random.Random(seed))
        conn.execute("COMMIT")
    return path


def _write(
    conn: sqlite3.Connection, node_id: str, cases: int, *, now: datetime, rng: random.Random
) -> None:
    catalog = casework.load_sample_catalog()
    items = cycle(catalog.available_at("township", now.date()))
    calendar = casework.default_calendar()
    people = applicant_stream()
    statuses, weights = zip(*_STATUSES, strict=True)
    start = now - timedelta(days=365)
    step = (now - start) / max(cases, 1)
    events, rows, counters = [], [], {}
    for n in range(cases):
        at = start + step * n
        item = next(items)
        day = at.astimezone(casework.CHINA_TZ).strftime("%Y%m%d")
        counters[day] = counters.get(day, 0) + 1
        case_no = f"{CENTER}-{day}-01{counters[day]:04d}"
        name, id_number, phone = next(people)
        event = _accept_event(node_id, n + 1, item, case_no, (name, id_number, phone), at)
        status = rng.choices(statuses, weights)[0]
        due = _due(calendar, at, item, status)
        events.append(
            (n + 1, event.event_id, event.case_id, "accept", event.occurred_at, "bench",
             encode_event(event))
        )  # fmt: skip
        rows.append(
            (event.case_id, case_no, item.code, item.category, status, name, id_number, phone,
             event.occurred_at, event.occurred_at, due, 0)
        )  # fmt: skip
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", events)
    conn.executemany(
        "INSERT INTO cases (case_id, case_no, item_code, category, status, applicant_name, "
        "id_number, phone, accepted_at, updated_at, due_date, due_provisional) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _accept_event(
    node_id: str,
    seq: int,
    item: casework.Item,
    case_no: str,
    applicant: tuple[str, str, str],
    at: datetime,
) -> Event:
    name, id_number, phone = applicant
    person = {"name": name, "id_type": "111", "id_number": id_number}
    if phone:
        person["phone"] = phone
    return Event(
        event_id=new_event_id(),
        node_id=node_id,
        seq=seq,
        case_id=new_event_id(),
        type="accept",
        occurred_at=format_timestamp(at),
        clerk_id="bench",
        payload={
            "case_no": case_no,
            "center_code": CENTER,
            "item_code": item.code,
            "item_name": item.name,
            "category": item.category,
            "workflow": item.workflow,
            "catalog_version": "sample",
            "promised_limit_days": item.promised_limit_days,
            "applicant": person,
        },
    )


def _due(
    calendar: casework.WorkCalendar, at: datetime, item: casework.Item, status: str
) -> str | None:
    if status in ("delivered", "completed", "refused"):
        return None  # closed cases keep no due date
    accepted: date = at.astimezone(casework.CHINA_TZ).date()
    return calendar.due_date(accepted, item.promised_limit_days).due.isoformat()


if __name__ == "__main__":
    import tempfile
    import time

    target = Path(tempfile.mkdtemp()) / "node"
    began = time.perf_counter()
    fill_home(target, int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, now=datetime.now(UTC))
    print(f"{target} in {time.perf_counter() - began:.1f} s")
