"""The hub folds each case once: a batch that continues a case applies only its new events."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casework
from central_hub.ingest.checkpoints import case_checkpoints
from central_hub.store import case_parties, cases, events, feed
from sync_protocol import Receipt
from tests.pairs import Pair, make_pair
from township_node.sync import Outbox

_PAYLOADS = {
    "refuse": {"reason": "材料不齐全"},
    "request_supplement": {"materials": ["户口簿"]},
    "receive_supplement": {"materials": ["户口簿"]},
    "escalate": {"to_center": "513431"},
    "extend": {"days": 5, "approved_by": "中心主任"},
    "deliver": {"method": "window", "receiver": "本人"},
}
_STEPS = ("handle", "review", "approve", "review_and_approve", *_PAYLOADS)


def _step(pair: Pair, case_no: str, choice: int) -> bool:
    """Records one legal action on the case, picked by `choice`; False when none is left."""
    legal = [a for a in pair.book.actions(case_no) if a in _STEPS]
    if not legal:
        return False
    action = legal[choice % len(legal)]
    pair.book.act(case_no, action, clerk_id="c", payload=_PAYLOADS.get(action, {}))
    return True


def _send(pair: Pair, *, max_events: int = 1000) -> list[str]:
    """Sends what the node has not sent; returns the SQL the hub ran while applying it."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    batches = pair.sealed_batches(max_events=max_events)
    results = []
    sa.event.listen(pair.hub.engine, "before_cursor_execute", seen)
    try:
        for blob in batches:
            results.append(pair.ingestor.ingest(blob))
    finally:
        sa.event.remove(pair.hub.engine, "before_cursor_execute", seen)
    for result in results:  # so the next round sends only what is new
        receipt = Receipt.verify(result.receipt, pair.hub_info.verify_key())
        Outbox(pair.node).record_receipt(receipt, result.receipt)
    return statements


def _checkpoints(pair: Pair) -> dict[str, tuple[str, casework.CaseState | None]]:
    with pair.hub.engine.connect() as conn:
        return {
            case_id: (head, casework.state_from_checkpoint(text))
            for case_id, head, text in conn.execute(sa.select(case_checkpoints))
        }


def test_a_case_continued_in_a_later_batch_is_applied_without_reading_its_history(tmp_path):
    pair = make_pair(tmp_path)
    numbers = pair.accept(3)
    _send(pair)
    for case_no in numbers:
        assert _step(pair, case_no, 0)
    statements = _send(pair)
    reads_of_events = [s for s in statements if s.lstrip().startswith("SELECT") and " events" in s]
    assert reads_of_events == []
    checkpoints = _checkpoints(pair)
    for case_no in numbers:
        folded = pair.book.folded(case_no)
        assert folded.state is not None
        head, state = checkpoints[folded.state.case_id]
        assert head == folded.head
        assert state == dataclasses.replace(folded.state, applicant=None)


def test_a_damaged_checkpoint_is_folded_again_from_the_events(tmp_path):
    pair = make_pair(tmp_path)
    (case_no,) = pair.accept(1)
    _send(pair)
    with pair.hub.engine.begin() as conn:
        conn.execute(case_checkpoints.update().values(state='{"shape": "damaged"}'))
    assert _step(pair, case_no, 0)
    _send(pair)
    folded = pair.book.folded(case_no)
    assert folded.state is not None
    with pair.hub.engine.connect() as conn:
        status = conn.execute(sa.select(cases.c.status)).scalar_one()
    assert status == folded.state.status
    assert _checkpoints(pair)[folded.state.case_id] == (
        folded.head,
        dataclasses.replace(folded.state, applicant=None),
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rounds=st.lists(st.lists(st.integers(0, 99), min_size=1, max_size=3), max_size=4),
    batch_events=st.integers(1, 3),
)
def test_checkpoints_hold_the_fold_of_every_event_the_hub_holds(rounds, batch_events):
    with tempfile.TemporaryDirectory() as tmp:
        pair = make_pair(Path(tmp))
        numbers = pair.accept(2)
        _send(pair, max_events=batch_events)
        for choices in rounds:
            for case_no, choice in zip(numbers * 2, choices, strict=False):
                _step(pair, case_no, choice)
            _send(pair, max_events=batch_events)
        checkpoints = _checkpoints(pair)
        with pair.hub.engine.connect() as conn:
            rows = {r.case_no: r for r in conn.execute(sa.select(cases))}
            parties = set(
                conn.execute(sa.select(case_parties.c.case_id, case_parties.c.center_code))
            )
            county = feed.c.center_code == "513431"
            fed = set(conn.execute(sa.select(feed.c.event_id).where(county)).scalars())
            held: dict[str, set[str]] = {}
            for case_id, event_id in conn.execute(sa.select(events.c.case_id, events.c.event_id)):
                held.setdefault(case_id, set()).add(event_id)
        for case_no in numbers:
            folded = pair.book.folded(case_no)
            assert folded.state is not None
            row = rows[case_no]
            assert (row.status, row.holder_center) == (
                folded.state.status,
                folded.state.holder_center,
            )
            assert checkpoints[row.case_id] == (
                folded.head,
                dataclasses.replace(folded.state, applicant=None),
            )
            if folded.state.holder_trail:  # escalated: the county joined, with the whole history
                assert {(row.case_id, "513431100"), (row.case_id, "513431")} <= parties
                assert held[row.case_id] <= fed
        pair.hub.close()
        pair.node.close()
