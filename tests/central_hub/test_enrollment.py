"""Enrollment codes are one-time, bound to one center, and never cross the wire."""

from __future__ import annotations

import pytest

from central_hub.enrollment import issue_code, redeem_code
from central_hub.errors import EnrollmentRefused
from central_hub.home import init_home
from sync_protocol import enrollment_request, verify_enrollment_proof
from township_node.enrollment import registration_of
from township_node.home import init_home as init_node


@pytest.fixture
def hub(tmp_path):
    return init_home(tmp_path / "hub", tier="county", org_code="513431", name="昭觉县政务服务中心")


def _registration(tmp_path, name="node", center="513431100") -> dict:
    with init_node(tmp_path / name, center_code=center, name="新城镇便民服务中心") as node:
        return registration_of(node).to_dict()


def test_redeem_answers_with_proof_the_node_can_check(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    registration = _registration(tmp_path)
    answer = redeem_code(hub, enrollment_request(code, registration))
    verify_enrollment_proof(code, answer["hub"]["body"], registration, answer["proof"])


def test_request_repeated_after_a_lost_answer_gets_the_same_answer(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    request = enrollment_request(code, _registration(tmp_path))
    assert redeem_code(hub, request) == redeem_code(hub, request)


def test_code_used_by_one_node_refuses_another(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    redeem_code(hub, enrollment_request(code, _registration(tmp_path, "a")))
    with pytest.raises(EnrollmentRefused, match="already used"):
        redeem_code(hub, enrollment_request(code, _registration(tmp_path, "b")))


def test_code_issued_for_one_center_refuses_another(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    with pytest.raises(EnrollmentRefused, match="issued for center 513431100"):
        redeem_code(hub, enrollment_request(code, _registration(tmp_path, center="513431101")))


def test_wrong_code_is_unknown(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    wrong = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    with pytest.raises(EnrollmentRefused, match="unknown enrollment code"):
        redeem_code(hub, enrollment_request(wrong, _registration(tmp_path)))


def test_request_carries_no_part_of_the_code_but_its_first_group(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    request = enrollment_request(code, _registration(tmp_path))
    assert request["code_id"] == code[:4]
    assert code[5:] not in str(request) and code.replace("-", "") not in str(request)


def test_lower_case_code_with_spaces_enrolls(hub, tmp_path):
    code = issue_code(hub, center_code="513431100")
    typed = f"  {code.lower().replace('-', ' ')} "
    registration = _registration(tmp_path)
    answer = redeem_code(hub, enrollment_request(typed, registration))
    verify_enrollment_proof(typed, answer["hub"]["body"], registration, answer["proof"])
