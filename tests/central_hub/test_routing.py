"""Routing at the hub: a case's events reach its other parties' feeds, and events that arrive
before the one they follow wait for it (as at a prefecture fed by a county)."""

from __future__ import annotations

import sqlalchemy as sa

from central_hub.enrollment import issue_code, redeem_code
from central_hub.forwarding import feed_page_for
from central_hub.home import init_home as init_hub
from central_hub.ingest import Ingestor
from central_hub.store import case_parties, cases, pending_events, quarantine
from sync_protocol import SignedDocument, enrollment_request, open_feed_page, seal_batch
from tests.factories import APPLICANTS
from tests.pairs import Clock
from township_node.casebook import CaseBook
from township_node.catalog import center_level, current_catalog
from township_node.enrollment import registration_of
from township_node.home import init_home as init_node
from township_node.store import set_setting
from township_node.sync import Outbox, take_feed_page

TOWNSHIP, COUNTY = "513431100", "513431"


def _hub(path, name):
    return init_hub(path, tier="county", org_code=COUNTY, name=name)


def _enroll(hub, node) -> None:
    code = issue_code(hub, center_code=node.center_code)
    answer = redeem_code(hub, enrollment_request(code, registration_of(node).to_dict()))
    with node.database.transaction() as conn:
        set_setting(conn, "hub_url", "http://in-memory")
        set_setting(conn, "hub_info", SignedDocument.from_dict(answer["hub"]).to_dict())


def _book(node) -> CaseBook:
    catalog, level = current_catalog(node), center_level(node)
    return CaseBook(node, catalog=catalog, center_level=level, clock=Clock())


def _send(hub, node) -> None:
    outbox = Outbox(node)
    outbox.cut()
    ingestor = Ingestor(hub)
    for batch in outbox.unacknowledged():
        ingestor.ingest(seal_batch(batch, hub.info().seal_key()))


def _pull(hub, node) -> None:
    _, blob = feed_page_for(hub, node.node_id, after=int(node.setting("feed_position", "0")))
    page = open_feed_page(
        blob, node_id=node.node_id, key=node.keys.sealing, hub_key=hub.info().verify_key()
    )
    take_feed_page(node, page, hub_id=hub.config.hub_id)


def _escalated(tmp_path):
    """A county hub, a township and the county's center; a case escalated to the county and
    pulled by the county's node."""
    hub = _hub(tmp_path / "county", "昭觉县政务服务中心")
    township = init_node(tmp_path / "township", center_code=TOWNSHIP, name="新城镇")
    center = init_node(tmp_path / "center", center_code=COUNTY, name="昭觉县政务服务中心")
    for node in (township, center):
        _enroll(hub, node)
    name, id_number, phone = APPLICANTS[0]
    accepted = _book(township).accept(
        item_code="SAMPLE-CL-004",
        applicant_name=name,
        id_number=id_number,
        phone=phone,
        clerk_id="c1",
    )
    case_no = accepted.case_no
    _book(township).act(case_no, "escalate", clerk_id="c1", payload={"to_center": COUNTY})
    _send(hub, township)
    _pull(hub, center)
    return hub, township, center, case_no


def _escalated_and_decided(tmp_path):
    hub, township, center, case_no = _escalated(tmp_path)
    _book(center).act(case_no, "review_and_approve", clerk_id="c2")
    _book(center).act(case_no, "complete", clerk_id="c2", payload={"result_code": "granted"})
    _send(hub, center)
    return hub, township, center, case_no


def test_events_reach_the_other_party_and_never_their_writer(tmp_path):
    hub, township, center, _ = _escalated_and_decided(tmp_path)
    township_page, _ = feed_page_for(hub, township.node_id, after=0)
    center_page, _ = feed_page_for(hub, center.node_id, after=0)
    assert [e.event.type for e in township_page.entries] == ["review_and_approve", "complete"]
    assert [e.event.type for e in center_page.entries] == ["accept", "escalate"]
    with hub.engine.connect() as conn:
        parties = set(conn.execute(sa.select(case_parties.c.center_code)).scalars())
        status = conn.execute(sa.select(cases.c.status)).scalar_one()
    assert (parties, status) == ({TOWNSHIP, COUNTY}, "completed")


def test_a_center_that_is_no_party_to_the_case_receives_nothing(tmp_path):
    hub, _, _, _ = _escalated_and_decided(tmp_path)
    neighbour = init_node(tmp_path / "neighbour", center_code="513431101", name="城北镇")
    _enroll(hub, neighbour)
    page, _ = feed_page_for(hub, neighbour.node_id, after=0)
    assert (page.entries, page.more) == ((), False)


def test_event_that_arrives_before_the_one_it_follows_waits_for_it(tmp_path):
    _, township, center, _ = _escalated_and_decided(tmp_path)
    prefecture = _hub(tmp_path / "pref", "凉山州政务服务中心")
    for node in (township, center):
        _enroll(prefecture, node)
    _send(prefecture, center)  # the county's decision first: its case is not here yet
    with prefecture.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one() == 0
        waiting = conn.execute(sa.select(sa.func.count()).select_from(pending_events))
        assert waiting.scalar_one() == 2
    _send(prefecture, township)
    with prefecture.engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.status)).scalar_one() == "completed"
        for table in (pending_events, quarantine):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_page_taken_twice_adds_nothing_at_the_node(tmp_path):
    hub, township, _, case_no = _escalated_and_decided(tmp_path)
    page, blob = feed_page_for(hub, township.node_id, after=0)
    key = hub.info().verify_key()
    opened = open_feed_page(blob, node_id=township.node_id, key=township.keys.sealing, hub_key=key)
    first = take_feed_page(township, opened, hub_id=hub.config.hub_id)
    again = take_feed_page(township, opened, hub_id=hub.config.hub_id)
    assert (first.events, first.alerts, again.events, again.alerts) == (2, 1, 0, 0)
    assert _book(township).get(case_no).status == "completed"
    assert township.setting("feed_position") == str(page.next)


def test_withdrawal_at_the_window_tells_the_county_the_case_left_it(tmp_path):
    hub, township, center, case_no = _escalated(tmp_path)
    _book(township).act(
        case_no, "complete", clerk_id="c1", payload={"result_code": "withdrawn", "reason": "撤回"}
    )
    _send(hub, township)
    _pull(hub, center)
    kinds = [kind for (kind,) in center.conn.execute("SELECT kind FROM alerts ORDER BY id")]
    assert kinds == ["handed_here", "left_here"]
    message = center.conn.execute("SELECT message_zh FROM alerts ORDER BY id").fetchall()
    assert "由新城镇转来" in message[0][0]
    assert "不再由本中心办理" in message[1][0]
