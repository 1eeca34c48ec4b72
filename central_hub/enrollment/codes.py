"""Provides enrollment at a hub: one-time codes, node registration, and the node
registrations a county hub passes up to its prefecture."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sync_protocol import (
    CODE_ALPHABET,
    SIGNATURE_SM2,
    SUITE_NATIONAL,
    BadSignature,
    MalformedInput,
    NodeRegistration,
    SignedDocument,
    VerifyKey,
    b64decode,
    code_id,
    enrollment_key,
    enrollment_proof,
    format_timestamp,
    sign_document,
    verify_enrollment_request,
)

from ..errors import EnrollmentRefused
from ..home import HubHome
from ..store import enroll_codes, nodes
from .counties import verified_from_linked_county
from .replacement import apply_replacement, plan_replacement

__all__ = [
    "CODE_LIFETIME",
    "accept_forwarded_registration",
    "issue_code",
    "redeem_code",
    "sign_registration",
]

CODE_LIFETIME = timedelta(days=14)


def issue_code(
    home: HubHome, *, center_code: str, now: datetime | None = None, replaces: str = ""
) -> str:
    """Issues a one-time enrollment code for one service center (or a county hub).

    Args:
        replaces: the node id of a dead PC of that center that the enrolling PC (restored
            from its backup) replaces; see replacement.py.
    """
    _check_center_in_scope(home, center_code)
    now = now or datetime.now(UTC)
    with home.engine.begin() as conn:
        code = _fresh_code(conn, format_timestamp(now))
        conn.execute(
            enroll_codes.insert().values(
                code_key=enrollment_key(code).hex(),
                code_id=code_id(code),
                center_code=center_code,
                created_at=format_timestamp(now),
                expires_at=format_timestamp(now + CODE_LIFETIME),
            )
        )
        if replaces:
            plan_replacement(
                conn,
                code_key=enrollment_key(code).hex(),
                old_node_id=replaces,
                center_code=center_code,
                now=format_timestamp(now),
            )
    return code


def _fresh_code(conn: sa.Connection, now: str) -> str:
    """A random code whose id no live code has, so the id finds one code."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        clash = conn.execute(
            sa.select(enroll_codes.c.code_key).where(
                enroll_codes.c.code_id == code_id(code), enroll_codes.c.expires_at > now
            )
        ).first()
        if clash is None:
            return code


def redeem_code(home: HubHome, request: Any) -> dict[str, Any]:
    """Enrolls a node from an `enrollment_request`; returns the hub's signed info and proof.

    A request repeated after a lost answer gets the same answer again.

    Raises:
        EnrollmentRefused: unknown, used or expired code, or one issued for another center.
        MalformedInput, BadSignature: the request is not well formed or not made with the code.
    """
    if not isinstance(request, dict):
        raise MalformedInput("enrollment request must be a JSON object")
    registration = NodeRegistration.from_dict(request.get("registration"))
    now = format_timestamp(datetime.now(UTC))
    with home.engine.begin() as conn:
        row = _matching_code(conn, request, registration)
        if row.used_at is not None:
            return _repeat_answer(row, registration)
        _check_code(row, registration, now)
        _check_suite(home, registration)
        _insert_node(conn, registration, registered_via="", now=now)
        apply_replacement(conn, code_key=row.code_key, new_node_id=registration.node_id, now=now)
        info = home.info().sign(home.signing)
        key = bytes.fromhex(row.code_key)
        answer = {
            "hub": info.to_dict(),
            "proof": enrollment_proof(key, info.body, registration.to_dict()),
        }
        conn.execute(
            enroll_codes.update()
            .where(enroll_codes.c.code_key == row.code_key)
            .values(used_at=now, used_by=registration.node_id, answer=json.dumps(answer))
        )
    return answer


def _matching_code(conn: sa.Connection, request: dict[str, Any], registration: Any) -> Any:
    """The stored code whose key made the request's MAC."""
    rows = conn.execute(
        sa.select(enroll_codes).where(enroll_codes.c.code_id == str(request.get("code_id", "")))
    ).all()
    for row in rows:
        try:
            verify_enrollment_request(
                bytes.fromhex(row.code_key), registration.to_dict(), request.get("mac")
            )
        except BadSignature:
            continue
        return row
    raise EnrollmentRefused(
        "unknown enrollment code", hint="check the code, or ask the hub admin for a new one"
    )


def _repeat_answer(row: Any, registration: NodeRegistration) -> dict[str, Any]:
    if row.used_by != registration.node_id:
        raise EnrollmentRefused(
            f"enrollment code was already used on {row.used_at}",
            hint="each code enrolls one machine; ask the hub admin for a new one",
        )
    answer: dict[str, Any] = json.loads(row.answer)
    return answer


def _check_code(row: Any, registration: NodeRegistration, now: str) -> None:
    if row.expires_at < now:
        raise EnrollmentRefused(f"enrollment code expired on {row.expires_at}")
    if row.center_code != registration.center_code:
        raise EnrollmentRefused(
            f"this code was issued for center {row.center_code}, not {registration.center_code}"
        )


def _check_suite(home: HubHome, registration: NodeRegistration) -> None:
    """A national-suite hub enrolls only nodes whose keys are SM2 (it holds no other kind)."""
    if home.config.preferred_suite != SUITE_NATIONAL:
        return
    sign_key = VerifyKey(b64decode(registration.sign_key, what="node signing key"))
    if sign_key.algorithm != SIGNATURE_SM2 or registration.seal_suite != SUITE_NATIONAL:
        raise EnrollmentRefused(
            f"this hub uses the national suite {SUITE_NATIONAL}; node {registration.node_id} "
            f"brought a {sign_key.algorithm} signing key and a {registration.seal_suite} "
            "sealing key",
            hint="update township-node: its enroll makes SM2 keys for a national-suite hub",
        )


def _check_center_in_scope(home: HubHome, center_code: str) -> None:
    """A county enrolls its own centers; a prefecture its centers and counties."""
    scope = home.config.org_code if home.config.tier == "county" else home.config.org_code[:4]
    if not (center_code.isdigit() and len(center_code) in (6, 9)):
        raise EnrollmentRefused(f"center code {center_code!r} must have 6 or 9 digits")
    if not center_code.startswith(scope):
        raise EnrollmentRefused(
            f"center {center_code} is outside this hub's area ({home.config.org_code})"
        )


def _insert_node(
    conn: sa.Connection, registration: NodeRegistration, *, registered_via: str, now: str
) -> None:
    existing = conn.execute(
        sa.select(nodes.c.sign_key).where(nodes.c.node_id == registration.node_id)
    ).first()
    values = {
        "kind": registration.kind,
        "center_code": registration.center_code,
        "name": registration.name,
        "sign_key": registration.sign_key,
        "seal_suite": registration.seal_suite,
        "seal_key": registration.seal_key,
        "registered_via": registered_via,
        "registration": json.dumps(registration.to_dict(), ensure_ascii=False),
    }
    if existing is None:
        conn.execute(nodes.insert().values(node_id=registration.node_id, enrolled_at=now, **values))
    elif existing.sign_key != registration.sign_key:
        raise EnrollmentRefused(
            f"node {registration.node_id} is already enrolled with another key",
            hint="a replaced PC enrolls as a new node; revoke the old one",
        )


def sign_registration(home: HubHome, registration: dict[str, Any]) -> SignedDocument:
    """A county's statement to its prefecture that it enrolled this node."""
    return sign_document("node_registration", registration, home.signing)


def accept_forwarded_registration(home: HubHome, doc_obj: Any) -> None:
    """Registers a node that a linked county hub enrolled and vouches for.

    Raises:
        EnrollmentRefused: the sender is not a linked county, or the node is outside it.
        BadSignature, MalformedInput.
    """
    doc = SignedDocument.from_dict(doc_obj)
    with home.engine.begin() as conn:
        sender, body = verified_from_linked_county(conn, doc, kind="node_registration")
        registration = NodeRegistration.from_dict(body)
        if registration.kind != "node" or not registration.center_code.startswith(
            sender.center_code
        ):
            raise EnrollmentRefused(
                f"county {sender.center_code} cannot register center {registration.center_code}"
            )
        _insert_node(
            conn,
            registration,
            registered_via=sender.node_id,
            now=format_timestamp(datetime.now(UTC)),
        )
