"""A national-suite (国密) county and its node: SM2 keys at both ends, and nothing else made."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from central_hub.enrollment import issue_code, redeem_code
from central_hub.errors import EnrollmentRefused
from central_hub.home import init_home as init_hub
from central_hub.store import cases
from sync_protocol import (
    SIGNATURE_SM2,
    SUITE_NATIONAL,
    Receipt,
    enrollment_request,
    peek_batch,
)
from tests.national import forbid_other_algorithms
from tests.pairs import make_pair
from township_node.enrollment import registration_of
from township_node.errors import InvalidInput
from township_node.home import init_home as init_node
from township_node.home import open_home as open_node
from township_node.store import NodeKeys


def test_a_national_node_records_signs_and_seals_cases_its_hub_applies_with_sm2_only(
    tmp_path, monkeypatch
):
    forbid_other_algorithms(monkeypatch)
    pair = make_pair(tmp_path, suite=SUITE_NATIONAL)
    numbers = pair.accept(3)
    pair.book.act(numbers[0], "review_and_approve", clerk_id="c")
    assert pair.node.keys.signing.algorithm == SIGNATURE_SM2
    for blob in pair.sealed_batches(max_events=2):
        assert peek_batch(blob).suite == SUITE_NATIONAL
        result = pair.ingestor.ingest(blob)
        receipt = Receipt.verify(result.receipt, pair.hub_info.verify_key())
        assert receipt.status == "applied"
    with pair.hub.engine.connect() as conn:
        statuses = {
            no: status for no, status in conn.execute(sa.select(cases.c.case_no, cases.c.status))
        }
    assert statuses == {number: pair.book.get(number).status for number in numbers}
    pair.node.close()
    reopened = open_node(tmp_path / "node")  # the SM2 key file reads back
    assert _raw(reopened.keys) == _raw(pair.node.keys)
    reopened.close()
    pair.hub.close()


def test_a_national_hub_refuses_a_node_that_brings_ed25519_keys(tmp_path):
    hub = init_hub(
        tmp_path / "hub", tier="county", org_code="513431", name="昭觉县政务服务中心",
        preferred_suite=SUITE_NATIONAL,
    )  # fmt: skip
    node = init_node(tmp_path / "node", center_code="513431100", name="新城镇便民服务中心")
    code = issue_code(hub, center_code="513431100")
    with pytest.raises(EnrollmentRefused, match="national suite") as refused:
        redeem_code(hub, enrollment_request(code, registration_of(node).to_dict()))
    assert "enroll makes SM2 keys" in refused.value.hint
    node.refit_keys(SUITE_NATIONAL)  # what `township-node enroll` does before it asks
    answer = redeem_code(hub, enrollment_request(code, registration_of(node).to_dict()))
    assert "hub" in answer
    node.close()
    hub.close()


def test_an_enrolled_node_keeps_its_keys_when_asked_to_fit_another_suite(tmp_path):
    pair = make_pair(tmp_path)
    keys = _raw(pair.node.keys)
    with pytest.raises(InvalidInput, match="enrolled") as refused:
        pair.node.refit_keys(SUITE_NATIONAL)
    assert "已登记" in refused.value.message_zh
    assert _raw(pair.node.keys) == keys
    pair.node.close()
    reopened = open_node(tmp_path / "node")
    assert _raw(reopened.keys) == keys
    reopened.close()
    pair.hub.close()


def _raw(keys: NodeKeys) -> tuple[bytes, str, bytes]:
    return keys.signing.raw(), keys.sealing.suite, keys.sealing.raw()
