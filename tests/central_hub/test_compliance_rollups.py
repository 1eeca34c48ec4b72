"""The rollups kept at ingest stay equal to a recount, whatever the order of case changes; and
a hub whose rollups miss cases says so instead of answering wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casework
from central_hub.compliance import compliance
from central_hub.compliance.rollups import (
    ROLLUP_TABLES,
    RollupsMissing,
    case_rows,
    rebuild_rollups,
    record_case_changes,
    rollups_ready,
)
from central_hub.store import batches, cases, create_engine_for
from sync_protocol import BatchHeader, format_timestamp
from tests.central_hub.test_compliance import XINCHENG, CaseWriter, prefecture_hub, report_of

CENTERS = ("513431100", "513431101", "513435100", "513431")
ITEMS = ("SAMPLE-ZR-004", "SAMPLE-GA-004", "NOT-IN-THE-CATALOG")
NODES = ("node-a", "node-b", "")
T0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 March in Liangshan
# Arrivals at the hub (minutes after T0) and when each batch was cut at its node.
ARRIVALS = (0, 600, 1_440, 20_000)
CUTS = (-30, 500, 1_400, 19_000)


def _ts(minutes: float) -> str:
    return format_timestamp(T0 + timedelta(minutes=minutes))


def _header(node_id: str, batch_seq: int, cut: float) -> bytes:
    return BatchHeader(
        protocol=1,
        node_id=node_id,
        sender_key_id="0" * 16,
        batch_seq=batch_seq,
        first_seq=batch_seq,
        last_seq=batch_seq,
        event_count=1,
        prev_hash="0" * 64,
        created_at=_ts(cut),
        body_hash="0" * 64,
        body_size=1,
    ).encode()


def _store_batches(conn: sa.Connection) -> None:
    for node_id in NODES[:2]:
        for seq, (arrival, cut) in enumerate(zip(ARRIVALS, CUTS, strict=True), start=1):
            conn.execute(
                batches.insert().values(
                    node_id=node_id,
                    batch_seq=seq,
                    batch_hash=f"{seq:064x}",
                    header=_header(node_id, seq, cut),
                    signature=b"",
                    body=b"",
                    event_count=1,
                    received_at=_ts(arrival),
                    receipt="{}",
                )
            )


# Minutes after T0: mostly within one morning, so slots meet in 30-minute windows.
minutes = st.one_of(
    st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60 * 24 * 45)
)
insert = st.tuples(
    st.just("insert"),
    st.sampled_from(CENTERS),
    st.sampled_from(tuple(casework.CATEGORIES)),
    st.sampled_from(ITEMS),
    minutes,
    st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 10)),
    st.sampled_from(NODES),
    st.sampled_from((0, 300, 600, 1_440, 5_000, 20_000, 30_000)),
    st.integers(min_value=0, max_value=30),  # due, in days after acceptance, while open
    st.booleans(),  # provisional due date
)
complete = st.tuples(
    st.just("complete"),
    st.integers(min_value=0, max_value=60),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 10)),
    st.integers(min_value=0, max_value=30),
)


def _due(accepted: datetime, days: int) -> str:
    return (accepted + timedelta(days=days)).date().isoformat()


move = st.tuples(
    st.just("move"),
    st.integers(min_value=0, max_value=60),
    st.sampled_from(CENTERS),
    st.sampled_from(tuple(casework.CATEGORIES)),
    minutes,
)


def _apply(conn: sa.Connection, op: tuple, ids: list[str]) -> None:
    if op[0] == "insert":
        _, center, category, item, accepted, done, node_id, received, due, provisional = op
        case_id = f"case-{len(ids):04d}"
        row = {
            "case_id": case_id,
            "case_no": case_id,
            "node_id": node_id,
            "center_code": center,
            "item_code": item,
            "category": category,
            "status": "completed" if done is not None else "accepted",
            "accepted_at": _ts(accepted),
            "completed_at": _ts(accepted + done) if done is not None else None,
            "updated_at": _ts(accepted),
            "county_code": center[:6],
            "received_at": _ts(received),
            "due_date": _due(T0 + timedelta(minutes=accepted), due) if done is None else None,
            "due_provisional": provisional,
        }
        conn.execute(cases.insert().values(**row))
        record_case_changes(conn, [(None, row)])
        ids.append(case_id)
        return
    if not ids:
        return
    case_id = ids[op[1] % len(ids)]
    before = case_rows(conn, [case_id])[case_id]
    if op[0] == "complete":
        accepted = datetime.fromisoformat(before["accepted_at"])
        done, due = op[2], op[3]
        changes = {
            "completed_at": None
            if done is None
            else format_timestamp(accepted + timedelta(minutes=done)),
            "status": "accepted" if done is None else "completed",
            "due_date": _due(accepted, due) if done is None else None,
        }
    else:
        _, _, center, category, accepted_minutes = op
        changes = {
            "center_code": center,
            "category": category,
            "accepted_at": _ts(accepted_minutes),
        }
    conn.execute(cases.update().where(cases.c.case_id == case_id).values(**changes))
    record_case_changes(conn, [(before, changes)])


def _rows(conn: sa.Connection) -> dict[str, list[tuple]]:
    return {t.name: sorted(tuple(row) for row in conn.execute(sa.select(t))) for t in ROLLUP_TABLES}


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.one_of(insert, insert, complete, move), max_size=30))
def test_rollups_equal_a_recount_after_any_inserts_and_updates(ops):
    engine = create_engine_for("sqlite://")
    try:
        ids: list[str] = []
        with engine.begin() as conn:
            _store_batches(conn)
        for op in ops:
            with engine.begin() as conn:
                _apply(conn, op, ids)
        with engine.begin() as conn:
            assert rollups_ready(conn)
            kept = _rows(conn)
            rebuild_rollups(conn)
            assert _rows(conn) == kept
    finally:
        engine.dispose()


def test_rollups_of_changes_in_one_call_equal_one_change_per_call(tmp_path):
    engine = create_engine_for("sqlite://")
    ops = [
        ("insert", "513431100", "licensing", "SAMPLE-ZR-004", 60 * 24 * d, None, "node-a", 600)
        for d in (0, 1, 9, 20)
    ]
    with engine.begin() as conn:
        _store_batches(conn)
        rows = []
        for n, op in enumerate(ops):
            row = {
                "case_id": f"c{n}",
                "case_no": f"c{n}",
                "node_id": op[6],
                "center_code": op[1],
                "item_code": op[3],
                "category": op[2],
                "status": "accepted",
                "accepted_at": _ts(op[4]),
                "updated_at": _ts(op[4]),
                "received_at": _ts(op[7]),
            }
            conn.execute(cases.insert().values(**row))
            rows.append(row)
        record_case_changes(conn, [(None, row) for row in rows])
        gaps = conn.execute(sa.text("SELECT day, gap_before FROM rollup_center_days ORDER BY day"))
        assert gaps.all() == [
            ("2026-03-02", None),
            ("2026-03-03", 1),
            ("2026-03-11", 8),
            ("2026-03-22", 11),
        ]
        kept = _rows(conn)
        rebuild_rollups(conn)
        assert _rows(conn) == kept
    engine.dispose()


def test_a_hub_whose_rollups_miss_cases_refuses_to_answer_until_rebuilt(tmp_path):
    home = prefecture_hub(tmp_path)
    writer = CaseWriter(home)
    writer.add(XINCHENG, "2026-03-02 09:00")
    with home.engine.begin() as conn:  # a row written without the rollups, as before them
        conn.execute(cases.insert().values(**writer.row(XINCHENG, "2026-03-03 09:00")))
    with pytest.raises(RollupsMissing):
        report_of(home)
    writer.add(XINCHENG, "2026-03-04 09:00")  # later rows do not make it whole again
    with home.engine.connect() as conn:
        assert not rollups_ready(conn)
    with home.engine.begin() as conn:
        assert rebuild_rollups(conn) == 3
    assert report_of(home).total.total.accepted == 3


def test_a_fresh_hub_has_rollups_ready_and_an_empty_report(tmp_path):
    home = prefecture_hub(tmp_path)
    with home.engine.connect() as conn:
        assert rollups_ready(conn)
        report = compliance(
            conn,
            scope_county=None,
            since=date(2026, 1, 1),
            until=date(2026, 1, 31),
            today=date(2026, 1, 31),
        )
    assert report.total.total.accepted == 0
    assert [t.name for t in report.tables()] == [
        "compliance_cases",
        "compliance_trend",
        "compliance_supervision",
        "compliance_service",
        "compliance_coverage",
        "compliance_centers",
        "compliance_overdue",
        "compliance_violations",
        "compliance_patterns",
        "compliance_standards",
    ]


def test_a_backdated_case_moved_to_another_category_moves_its_count():
    # Found by the property test: the count must follow the case to its new category.
    engine = create_engine_for("sqlite://")
    ops = [
        ("insert", "513431100", "licensing", "SAMPLE-ZR-004", 0, None, "node-a", 1440, 0, False),
        ("insert", "513431100", "licensing", "SAMPLE-ZR-004", 0, None, "node-a", 0, 0, False),
        ("move", 0, "513431100", "other_admin", 0),
    ]
    ids: list[str] = []
    with engine.begin() as conn:
        _store_batches(conn)
        for op in ops:
            _apply(conn, op, ids)
        kept = _rows(conn)
        rebuild_rollups(conn)
        assert _rows(conn) == kept
        backdated = conn.execute(
            sa.text("SELECT category, backdated FROM rollup_daily ORDER BY category")
        ).all()
    assert backdated == [("licensing", 0), ("other_admin", 1)]
    engine.dispose()
