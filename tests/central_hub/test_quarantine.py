"""An event that breaks a rule is kept and reported, never applied, and blocks nothing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from central_hub.store import cases, events, quarantine
from sync_protocol import Event, Receipt, build_batch, encode_event, seal_batch
from tests.pairs import Pair, make_pair


def _forge(pair: Pair, changes: dict, *, seq: int = 1) -> dict:
    """The node's own event `seq`, altered, as the node's key would sign it."""
    body = pair.node.conn.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()[0]
    event = json.loads(body)
    for key, value in changes.items():
        target = event["payload"] if key in event["payload"] or key.startswith("p:") else event
        target[key.removeprefix("p:")] = value
    return event


def _send(pair: Pair, event_dicts: list[dict], *, batch_seq: int = 1, prev_hash: str = "0" * 64):
    lines = [encode_event(Event(**event)) for event in event_dicts]
    batch = build_batch(
        lines,
        node_id=pair.node.node_id,
        first_seq=event_dicts[0]["seq"],
        batch_seq=batch_seq,
        prev_hash=prev_hash,
        signing_key=pair.node.keys.signing,
    )
    result = pair.ingestor.ingest(seal_batch(batch, pair.hub_info.seal_key()))
    return Receipt.verify(result.receipt, pair.hub.signing.public)


def _quarantined(pair: Pair) -> list[tuple[int, str]]:
    with pair.hub.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(quarantine.c.seq, quarantine.c.reason_code).order_by(quarantine.c.seq)
            )
        ]


def _count(pair: Pair, table) -> int:
    with pair.hub.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_event_on_a_closed_case_is_quarantined_and_the_events_after_it_apply(tmp_path):
    pair = make_pair(tmp_path)
    (case_no,) = pair.accept(1)
    pair.book.act(case_no, "refuse", clerk_id="c", payload={"reason": "材料不全"})
    pair.accept(1)
    accept1, refuse, accept2 = (_forge(pair, {}, seq=n) for n in (1, 2, 3))
    illegal = {
        **refuse,
        "type": "handle",
        "payload": {},
        "seq": 3,
        "event_id": "0190b1a0-0000-7000-8000-000000000001",
    }
    accept2 = {**accept2, "seq": 4}
    receipt = _send(pair, [accept1, refuse, illegal, accept2])
    assert receipt.status == "applied" and receipt.next_batch_seq == 2
    assert receipt.reason.startswith("quarantined 1 events (seq 3)")
    assert _quarantined(pair) == [(3, "illegal_transition")]
    assert _count(pair, events) == 4  # the log keeps every signed event
    with pair.hub.engine.connect() as conn:
        statuses = sorted(conn.execute(sa.select(cases.c.status)).scalars())
    assert statuses == ["accepted", "refused"]


def test_case_accepted_in_the_name_of_another_center_is_quarantined(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    receipt = _send(pair, [_forge(pair, {"p:center_code": "513431101"})])
    assert "recorded an acceptance for center 513431101" in receipt.reason
    assert _count(pair, cases) == 0


def test_acceptance_of_an_item_the_center_may_not_accept_is_quarantined(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    receipt = _send(pair, [_forge(pair, {"p:item_code": "SAMPLE-CL-001"})])  # county only
    assert "acceptance rule" in receipt.reason
    assert _quarantined(pair) == [(1, "item_not_at_level")]


def test_a_fee_on_a_free_item_is_quarantined(tmp_path):
    pair = make_pair(tmp_path)
    pair.accept(1)
    receipt = _send(pair, [_forge(pair, {"p:fee_yuan": "5.00"})])
    assert "acceptance rule" in receipt.reason
    assert _count(pair, cases) == 0


def test_events_of_a_case_whose_acceptance_was_quarantined_are_quarantined_too(tmp_path):
    pair = make_pair(tmp_path)
    (case_no,) = pair.accept(1)
    pair.book.act(case_no, "refuse", clerk_id="c", payload={"reason": "x"})
    accept, refuse = _forge(pair, {"p:item_code": "SAMPLE-CL-001"}), _forge(pair, {}, seq=2)
    _send(pair, [accept, refuse])
    assert _quarantined(pair) == [(1, "item_not_at_level"), (2, "follows_quarantined")]


def test_county_admin_sees_quarantined_events_and_refused_batches_with_reasons(tmp_path, capsys):
    from central_hub.cli import main
    from sync_protocol import SealPrivateKey, WrongRecipient
    from township_node.sync import Outbox

    pair = make_pair(tmp_path)
    pair.accept(1)
    _send(pair, [_forge(pair, {"p:item_code": "SAMPLE-CL-001"})])
    pair.accept(1)
    Outbox(pair.node).cut()
    batch = Outbox(pair.node).unacknowledged()[-1]
    with pytest.raises(WrongRecipient):  # refused, and kept for the admin
        pair.ingestor.ingest(seal_batch(batch, SealPrivateKey.generate().public))
    capsys.readouterr()
    assert main(["quarantine", "--home", str(pair.hub.path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["reason_code"] for e in shown["quarantined_events"]] == ["item_not_at_level"]
    assert "acceptance rule" in shown["quarantined_events"][0]["message"]
    assert [b["reason_code"] for b in shown["rejected_batches"]] == ["wrong_recipient"]
