"""Provides the synthetic prefecture year the compliance benchmark queries (see
compliance_query.py for what it holds): centers and their nodes, a batch per working day,
case rows, sampled events, quarantined events and standard checklists."""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

import casework
from central_hub.compliance import set_standard
from central_hub.store import batches, cases, cursors, events, insert_many, nodes, quarantine
from sync_protocol import BatchHeader

__all__ = [
    "YEAR",
    "Prefecture",
    "build_cases",
    "build_nodes",
    "build_standards",
    "build_violations",
    "say",
]

YEAR = 2025
SHARES = (("licensing", 0.063), ("other_admin", 0.332), ("public_service", 0.595))
RULES = ("item_delegated_away", "item_not_at_level", "fee_on_free_item", "certificate_cancelled")
RULES += ("illegal_transition", "not_holder")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def centers() -> list[tuple[str, str]]:
    """(center code, county code): 548 townships and the 17 county centers."""
    tree = casework.load_org_tree()
    counties = [
        o.code for o in casework.children_of(casework.PREFECTURE_CODE) if o.valid_until is None
    ]
    townships = [
        (code, org.parent_code or "") for code, org in tree.items() if org.level == "township"
    ]
    extra = 548 - len(townships)
    for n in range(extra):  # codes 3xx are free in every county (乡镇 codes are 1xx and 2xx)
        county = counties[n % len(counties)]
        townships.append((f"{county}{300 + n // len(counties):03d}", county))
    return sorted(townships) + [(county, county) for county in counties]


class Prefecture:
    """The synthetic year: who reports when, and the case rows."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        calendar = casework.default_calendar()
        first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
        every = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self.days = [d for d in every if calendar.is_workday(d)[0]]
        self.centers = centers()
        self.weights = [
            rng.lognormvariate(0, 0.9) * (3 if len(c) == 6 else 1) for c, _ in self.centers
        ]
        codes = [c for c, _ in self.centers]
        self.silent = set(rng.sample(codes[:548], 10))
        self.late = set(rng.sample([c for c in codes[:548] if c not in self.silent], 5))
        self.stop = date(YEAR, 12, 1)
        self.items = _items()

    def node_of(self, center: str) -> str:
        return f"{center}-bench"

    def reporting_days(self, center: str) -> list[date]:
        if center in self.late:
            return []
        return [d for d in self.days if center not in self.silent or d < self.stop]

    def case_rows(self, start: int, count: int) -> list[dict[str, Any]]:
        rng = self.rng
        picked = rng.choices(self.centers, weights=self.weights, k=count)
        rows = []
        for n, (center, county) in enumerate(picked, start=start):
            days = self.reporting_days(center) or self.days[:1]
            rows.append(self._row(n, center, county, rng.choice(days), days))
        return rows

    def _row(self, n: int, center: str, county: str, day: date, days: list[date]) -> dict[str, Any]:
        rng = self.rng
        roll, category = rng.random(), "convenience"
        for name, share in SHARES:
            if roll < share:
                category = name
                break
            roll -= share
        minute = rng.randrange(540)  # 08:30–17:30 in Liangshan is 00:30–09:30 UTC
        accepted = datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC) + timedelta(
            minutes=minute, seconds=rng.randrange(60)
        )
        completed, due = self._outcome(accepted, day)
        arrival = day
        if rng.random() < 0.001:  # typed in with the batch of a week later: back-dated
            later = [d for d in days if d > day + timedelta(days=6)]
            arrival = later[0] if later else day
        level = "county" if len(center) == 6 else "township"
        return {
            "case_id": f"{n:08x}-0000-7000-8000-{n:012x}",
            "case_no": f"{center}-{day:%Y%m%d}-{n:07d}",
            "node_id": self.node_of(center),
            "center_code": center,
            "item_code": rng.choice(self.items[(level, category)]),
            "category": category,
            "status": "completed" if completed else "accepted",
            "accepted_at": _wire(accepted),
            "completed_at": _wire(completed) if completed else None,
            "updated_at": _wire(completed or accepted),
            "county_code": county,
            "holder_center": center,
            "due_date": due,
            "due_provisional": False,
            "received_at": _arrival(arrival, center),
        }

    def _outcome(self, accepted: datetime, day: date) -> tuple[datetime | None, str | None]:
        rng = self.rng
        recent = (date(YEAR, 12, 31) - day).days < 14
        if (recent and rng.random() < 0.5) or rng.random() < 0.003:
            return None, (day + timedelta(days=rng.randrange(3, 28))).isoformat()
        if rng.random() < 0.2:  # 即办: done within the hour
            return accepted + timedelta(seconds=rng.randrange(30, 3600)), None
        return accepted + timedelta(days=rng.randrange(1, 11), hours=rng.randrange(8)), None


def _items() -> dict[tuple[str, str], list[str]]:
    catalog = casework.load_sample_catalog()
    found: dict[tuple[str, str], list[str]] = {}
    for level in ("county", "township"):
        for item in catalog.available_at(level, date(YEAR, 6, 1)):
            found.setdefault((level, item.category), []).append(item.code)
    for level in ("county", "township"):
        for category in casework.CATEGORIES:
            found.setdefault((level, category), found.get(("county", category), ["X"]))
    return found


def _wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _arrival(day: date, center: str) -> str:
    """A node's daily batch reaches the hub at 18:00–18:29 in Liangshan (10:xx UTC)."""
    return f"{day.isoformat()}T10:{sum(map(ord, center)) % 30:02d}:00.000Z"


def _header(node_id: str, seq: int, day: date) -> bytes:
    return BatchHeader(
        protocol=1,
        node_id=node_id,
        sender_key_id="0" * 16,
        batch_seq=seq,
        first_seq=seq,
        last_seq=seq,
        event_count=1,
        prev_hash="0" * 64,
        created_at=f"{day.isoformat()}T09:30:00.000Z",  # cut at 17:30 in Liangshan
        body_hash="0" * 64,
        body_size=1,
    ).encode()


def build_nodes(conn: sa.Connection, year: Prefecture) -> None:
    for center, _county in year.centers:
        node_id = year.node_of(center)
        enrolled = (
            f"{YEAR}-12-20T01:00:00.000Z" if center in year.late else f"{YEAR}-01-02T01:00:00.000Z"
        )
        conn.execute(
            nodes.insert().values(
                node_id=node_id,
                kind="node",
                center_code=center,
                name=f"中心{center}",
                sign_key="-",
                seal_suite="-",
                seal_key="-",
                registered_via="bench",
                enrolled_at=enrolled,
                registration="{}",
            )
        )
        rows = [
            {
                "node_id": node_id,
                "batch_seq": seq,
                "batch_hash": f"{seq:064x}",
                "header": _header(node_id, seq, day),
                "signature": b"",
                "body": b"",
                "event_count": 1,
                "received_at": _arrival(day, center),
                "receipt": "{}",
            }
            for seq, day in enumerate(year.reporting_days(center), start=1)
        ]
        insert_many(conn, batches, rows)
        if rows:
            conn.execute(
                cursors.insert().values(
                    node_id=node_id,
                    next_batch_seq=len(rows) + 1,
                    last_event_seq=len(rows),
                    last_batch_hash=rows[-1]["batch_hash"],
                    last_contact_at=rows[-1]["received_at"],
                )
            )


def build_cases(conn: sa.Connection, year: Prefecture, total: int, sample_events: int) -> None:
    chunk, done, seq = 100_000, 0, 0
    while done < total:
        rows = year.case_rows(done, min(chunk, total - done))
        insert_many(conn, cases, rows)
        if seq < sample_events:
            picked = rows[: sample_events - seq]
            insert_many(conn, events, [_event(row, seq + i) for i, row in enumerate(picked)])
            seq += len(picked)
        done += len(rows)
        say(f"办件 cases {done}/{total}")


def _event(row: dict[str, Any], seq: int) -> dict[str, Any]:
    body = {
        "case_no": row["case_no"],
        "center_code": row["center_code"],
        "item_code": row["item_code"],
    }
    return {
        "event_id": f"{seq:08x}-1111-7000-8000-{seq:012x}",
        "node_id": "sample-log",
        "seq": seq + 1,
        "case_id": row["case_id"],
        "type": "accept",
        "occurred_at": row["accepted_at"],
        "clerk_id": "bench",
        "body": json.dumps(body, ensure_ascii=False).encode(),
        "batch_seq": 1,
        "quarantined": False,
    }


def build_violations(conn: sa.Connection, year: Prefecture, count: int = 600) -> None:
    rng = year.rng
    for n in range(count):
        center, _ = rng.choice(year.centers[:548])
        event_id = f"{n:08x}-2222-7000-8000-{n:012x}"
        day = rng.choice(year.days)
        occurred = f"{day.isoformat()}T03:00:00.000Z"
        conn.execute(
            events.insert().values(
                event_id=event_id,
                node_id=year.node_of(center),
                seq=10**7 + n,
                case_id=event_id,
                type="accept",
                occurred_at=occurred,
                clerk_id="bench",
                body=b"{}",
                batch_seq=1,
                quarantined=True,
            )
        )
        conn.execute(
            quarantine.insert().values(
                event_id=event_id,
                node_id=year.node_of(center),
                seq=10**7 + n,
                case_id=event_id,
                type="accept",
                reason_code=rng.choice(RULES),
                message="bench",
                batch_seq=1,
                quarantined_at=occurred,
            )
        )


def build_standards(conn: sa.Connection, year: Prefecture) -> None:
    # Codes outside the org tree are centers of this hub through their enrolled node.
    for center, _ in year.rng.sample(year.centers[:548], 307):
        set_standard(conn, center, "all", met=True, by="bench", now="2025-09-30T01:00:00.000Z")
