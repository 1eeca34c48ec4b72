"""Compliance over real node batches: township nodes enroll at the prefecture, accept cases
through their case book, and their signed batches are ingested as in production.

Arrival times are the hub's real clock; a test that needs an old arrival moves it back in the
store, which is what a center silent for a month looks like.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

import casework
from central_hub.compliance import compliance
from central_hub.compliance.rollups import (
    ROLLUP_TABLES,
    rebuild_rollups,
    record_case_changes,
    rollups_ready,
)
from central_hub.enrollment import issue_code, redeem_code
from central_hub.home import HubHome
from central_hub.ingest import Ingestor
from central_hub.store import batches, cases, nodes
from sync_protocol import (
    Event,
    SignedDocument,
    build_batch,
    encode_event,
    enrollment_request,
    format_timestamp,
    seal_batch,
)
from tests.central_hub.test_compliance import CHENGBEI, GANLUO, XINCHENG, ZHAOJUE, prefecture_hub
from tests.factories import APPLICANTS
from tests.pairs import Clock
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import registration_of
from township_node.home import NodeHome
from township_node.home import init_home as init_node
from township_node.store import set_setting
from township_node.sync import Outbox

START = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Liangshan
YEAR = {"since": date(2025, 1, 1), "until": date(2025, 12, 31)}
GANLUO_TOWN = casework.children_of(GANLUO)[0].code


def _china_today() -> date:
    return casework.local_date(datetime.now(UTC))


class Center:
    """A center's node enrolled at the hub, with its case book on a clock from START."""

    def __init__(self, hub: HubHome, tmp_path, code: str) -> None:
        self.hub = hub
        self.node: NodeHome = init_node(tmp_path / code, center_code=code, name=f"中心{code}")
        answer = redeem_code(
            hub,
            enrollment_request(
                issue_code(hub, center_code=code), registration_of(self.node).to_dict()
            ),
        )
        with self.node.database.transaction() as conn:
            set_setting(conn, "hub_url", "http://in-memory")
            set_setting(conn, "hub_info", SignedDocument.from_dict(answer["hub"]).to_dict())
        self.book = CaseBook(
            self.node,
            catalog=current_catalog(self.node),
            center_level=center_level(self.node),
            clock=Clock(START),
        )

    def accept(self, n: int, *, item: str = "SAMPLE-ZR-004") -> list[str]:
        return [
            self.book.accept(
                item_code=item,
                applicant_name=APPLICANTS[i % 4][0],
                id_number=APPLICANTS[i % 4][1],
                phone=APPLICANTS[i % 4][2],
                clerk_id="clerk-1",
            ).case_no
            for i in range(n)
        ]

    def complete(self, case_no: str) -> None:
        self.book.act(
            case_no,
            "complete",
            clerk_id="clerk-1",
            payload={"result_code": "withdrawn", "reason": "申请人撤回"},
        )

    def send(self) -> None:
        outbox = Outbox(self.node)
        outbox.cut()
        ingestor = Ingestor(self.hub)
        for batch in outbox.unacknowledged():
            ingestor.ingest(seal_batch(batch, self.hub.info().seal_key()))

    def send_forged(self, changes: dict[int, dict]) -> None:
        """Sends the node's events as one batch, some payloads altered (signed by the node's
        own key, so only the case rules can refuse them)."""
        rows = self.node.conn.execute("SELECT seq, body FROM events ORDER BY seq").fetchall()
        lines = []
        for seq, body in rows:
            event = json.loads(body)
            event["payload"].update(changes.get(seq, {}))
            lines.append(encode_event(Event(**event)))
        batch = build_batch(
            lines,
            node_id=self.node.node_id,
            first_seq=1,
            batch_seq=1,
            prev_hash="0" * 64,
            signing_key=self.node.keys.signing,
        )
        Ingestor(self.hub).ingest(seal_batch(batch, self.hub.info().seal_key()))


def _report(hub: HubHome, *, scope=None, today=None, **period):
    with hub.engine.begin() as conn:
        if not rollups_ready(conn):
            rebuild_rollups(conn)
        return compliance(
            conn,
            scope_county=scope,
            today=today or _china_today(),
            **(period or YEAR),
        )


def _rollup_rows(conn: sa.Connection) -> dict[str, list[tuple]]:
    return {t.name: sorted(tuple(row) for row in conn.execute(sa.select(t))) for t in ROLLUP_TABLES}


def test_cases_from_real_batches_are_counted_per_county(tmp_path):
    hub = prefecture_hub(tmp_path)
    xincheng, ganluo = Center(hub, tmp_path, XINCHENG), Center(hub, tmp_path, GANLUO_TOWN)
    first, *_ = xincheng.accept(3)
    xincheng.complete(first)
    ganluo.accept(2)
    xincheng.send()
    ganluo.send()
    report = _report(hub)
    zhaojue, ganluo_unit = report.unit(ZHAOJUE), report.unit(GANLUO)
    assert (zhaojue.total.accepted, zhaojue.total.completed) == (3, 1)
    assert (ganluo_unit.total.accepted, ganluo_unit.total.completed) == (2, 0)
    assert report.trend[0].month == "2025-01" and report.trend[0].total.accepted == 5


def test_ingest_keeps_the_rollups_equal_to_a_recount(tmp_path):
    hub = prefecture_hub(tmp_path)
    xincheng = Center(hub, tmp_path, XINCHENG)
    first, second = xincheng.accept(2)
    xincheng.send()
    xincheng.complete(first)
    xincheng.book.act(second, "refuse", clerk_id="c", payload={"reason": "材料不全"})
    xincheng.accept(1)
    xincheng.send()
    with hub.engine.begin() as conn:
        assert rollups_ready(conn)  # the projection recorded every case it wrote
        kept = _rollup_rows(conn)
        rebuild_rollups(conn)
        assert _rollup_rows(conn) == kept


def test_quarantined_acceptances_are_counted_as_violations_by_kind(tmp_path):
    hub = prefecture_hub(tmp_path)
    township, county = Center(hub, tmp_path, XINCHENG), Center(hub, tmp_path, ZHAOJUE)
    township.accept(3)
    county.accept(1, item="SAMPLE-CL-001")  # a county item
    township.send_forged({1: {"fee_yuan": "5.00"}, 2: {"item_code": "SAMPLE-CL-001"}})
    county.send_forged({1: {"item_code": "SAMPLE-MZ-003"}})  # delegated to townships in 2020
    report = _report(hub)
    codes = sorted((v.center_code, v.reason_code, v.kind) for v in report.violations)
    assert codes == [
        (ZHAOJUE, "item_delegated_away", "delegated"),
        (XINCHENG, "fee_on_free_item", "fee"),
        (XINCHENG, "item_not_at_level", "delegated"),
    ]
    assert report.unit(ZHAOJUE).violations == {"fee": 1, "delegated": 2}
    assert report.unit(ZHAOJUE).total.accepted == 1  # only the untouched third case
    rows = next(t for t in report.tables() if t.name == "compliance_violations").rows
    assert {r["kind"] for r in rows} == {"违规收费", "下放事项仍在上级受理"}
    assert _report(hub, scope=GANLUO).violations == ()


def test_cases_typed_in_after_the_centers_later_traffic_arrived_are_backdated(tmp_path):
    hub = prefecture_hub(tmp_path)
    xincheng = Center(hub, tmp_path, XINCHENG)
    xincheng.accept(2)
    xincheng.send()  # batch 1, cut now: long after START
    xincheng.accept(3)  # recorded (by the node's clock) back at START
    xincheng.send()
    report = _report(hub)
    assert report.unit(ZHAOJUE).backdated == 3
    (finding,) = [p for p in report.patterns if p.pattern == "backdated"]
    assert (finding.center_code, finding.cases, finding.detail) == (XINCHENG, 3, "占受理 60.0%")
    # The ingest-time path gives the same answer as the recount.
    with hub.engine.begin() as conn:
        recounted = _rollup_rows(conn)
        for table in ROLLUP_TABLES:
            conn.execute(table.delete())
        rows = [dict(r._mapping) for r in conn.execute(sa.select(cases))]
        record_case_changes(conn, [(None, row) for row in rows])
        assert _rollup_rows(conn) == recounted


def test_reporting_is_proved_by_arrivals_and_silent_centers_say_since_when(tmp_path):
    hub = prefecture_hub(tmp_path)
    reporting, _waiting = Center(hub, tmp_path, XINCHENG), Center(hub, tmp_path, CHENGBEI)
    silent, revoked = Center(hub, tmp_path, GANLUO_TOWN), Center(hub, tmp_path, "513431102")
    for center in (reporting, silent):
        center.accept(1)
        center.send()
    month_ago = format_timestamp(datetime.now(UTC) - timedelta(days=30))
    with hub.engine.begin() as conn:
        conn.execute(
            batches.update()
            .where(batches.c.node_id == silent.node.node_id)
            .values(received_at=month_ago)
        )
        conn.execute(
            nodes.update()
            .where(nodes.c.node_id == revoked.node.node_id)
            .values(revoked_at=month_ago)
        )
    today = _china_today()
    report = _report(hub, today=today)
    by_center = {c.center_code: c for c in report.centers}
    assert by_center[XINCHENG].status == "reporting"
    assert by_center[XINCHENG].head_batch_seq == 1
    assert by_center[XINCHENG].last_cut_at is not None
    assert by_center[CHENGBEI].status == "waiting"  # enrolled today, nothing sent yet
    assert (by_center[GANLUO_TOWN].status, by_center[GANLUO_TOWN].days_silent) == ("silent", 30)
    assert by_center[GANLUO_TOWN].silent_since == month_ago
    assert by_center["513431102"].status == "not_enrolled"  # its only node was revoked
    zhaojue_centers = 1 + len(casework.children_of(ZHAOJUE))  # the county's own + 20
    zhaojue = report.unit(ZHAOJUE)
    assert (zhaojue.enrolled, zhaojue.reporting, zhaojue.silent) == (2, 1, 0)
    assert zhaojue.not_enrolled == zhaojue_centers - 2
    assert (report.unit(GANLUO).enrolled, report.unit(GANLUO).silent) == (1, 1)
    assert report.centers[0].center_code == GANLUO_TOWN  # the silent come first
    later = {c.center_code: c for c in _report(hub, today=today + timedelta(days=8)).centers}
    assert (later[CHENGBEI].status, later[CHENGBEI].days_silent) == ("silent", 8)
    assert (later[XINCHENG].status, later[XINCHENG].days_silent) == ("silent", 8)
