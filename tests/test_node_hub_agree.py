"""Any sequence of legal actions at a window folds to the same case at the hub."""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import casework
from central_hub.store import cases
from tests.pairs import make_pair

_PAYLOADS = {
    "refuse": {"reason": "材料不齐全"},
    "return": {"reason": "需补充说明"},
    "request_supplement": {"materials": ["户口簿"]},
    "receive_supplement": {"materials": ["户口簿"]},
    "escalate": {"to_center": "513431"},
    "extend": {"days": 5, "approved_by": "中心主任"},
    "complete": {"result_code": "granted", "result_label": "准予许可"},
    "deliver": {"method": "window", "receiver": "本人"},
}
_PARTY_ACTIONS = frozenset(_PAYLOADS) | {"handle", "review", "approve", "review_and_approve"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    category=st.sampled_from(["licensing", "public_service", "other_admin"]),
    choices=st.lists(st.integers(0, 99), max_size=8),
    batch_events=st.integers(1, 4),
)
def test_node_and_hub_fold_the_same_status_for_any_legal_history(category, choices, batch_events):
    with tempfile.TemporaryDirectory() as tmp:
        pair = make_pair(Path(tmp))
        (case_no,) = pair.accept(1, category=category)
        for choice in choices:
            legal = [
                a
                for a in casework.legal_actions(pair.book.state(case_no))
                if a in _PARTY_ACTIONS and a != "escalate"
            ]
            if not legal:
                break
            action = legal[choice % len(legal)]
            if action == "complete" and "granted" not in _granted_allowed(pair, case_no):
                continue
            pair.book.act(case_no, action, clerk_id="c", payload=_PAYLOADS.get(action, {}))
        for blob in pair.sealed_batches(max_events=batch_events):
            pair.ingestor.ingest(blob)
        with pair.hub.engine.connect() as conn:
            hub_status = conn.execute(sa.select(cases.c.status)).scalar_one()
        assert hub_status == pair.book.get(case_no).status
        pair.hub.close()
        pair.node.close()


def _granted_allowed(pair, case_no: str) -> set[str]:
    state = pair.book.state(case_no)
    return {"granted"} if state.status == "approved" and not state.missing_materials else set()
