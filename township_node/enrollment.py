"""Provides enrollment: a node introduces its keys to a hub and pins the hub's keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sync_protocol import (
    BadSignature,
    HubInfo,
    NodeRegistration,
    ProtocolError,
    SignedDocument,
    b64encode,
    enrollment_request,
    verify_enrollment_proof,
)

from . import __version__
from .errors import SyncFailed
from .failures import as_sync_failure
from .home import NodeHome
from .store import get_json_setting, set_setting

if TYPE_CHECKING:  # the client (httpx) loads only when a round runs
    from sync_protocol import HubClient

__all__ = ["enroll", "pinned_hub", "refresh_hub_info"]


def registration_of(home: NodeHome) -> NodeRegistration:
    return NodeRegistration(
        node_id=home.node_id,
        center_code=home.center_code,
        name=home.setting("center_name"),
        sign_key=b64encode(home.keys.signing.public.raw),
        seal_suite=home.keys.sealing.suite,
        seal_key=b64encode(home.keys.sealing.public.raw),
        software=f"township-node/{__version__}",
    )


def enroll(home: NodeHome, client: HubClient, code: str) -> HubInfo:
    """Enrolls with the hub at `client` using a one-time code and pins its keys.

    Raises:
        SyncFailed: the hub cannot be reached (exit 3) or refuses the code (exit 4).
    """
    try:
        # The hub's suite decides the kind of keys to introduce (SM2 for a national hub). This
        # copy of its info is not trusted further: the answer below is checked with the code.
        home.refit_keys(HubInfo.from_signed(client.hub_info()).preferred_suite)
    except ProtocolError as exc:
        raise as_sync_failure(exc) from exc
    registration = registration_of(home).to_dict()
    try:
        answer = client.enroll(enrollment_request(code, registration))
        document = SignedDocument.from_dict(answer["hub"])
        hub = HubInfo.from_signed(document)
        verify_enrollment_proof(code, document.body, registration, str(answer.get("proof")))
    except ProtocolError as exc:
        raise as_sync_failure(exc) from exc
    with home.database.transaction() as conn:
        set_setting(conn, "hub_url", client.base_url)
        set_setting(conn, "hub_info", document.to_dict())
    return hub


def refresh_hub_info(home: NodeHome, client: HubClient) -> HubInfo:
    """Takes the hub's current description, e.g. after it rotated its sealing keys.

    The hub's signing key is its identity: a description signed by another key is refused.

    Raises:
        BadSignature: the answer is not signed by the pinned hub key.
    """
    _, pinned = pinned_hub(home)
    document = client.hub_info()
    fresh = HubInfo.from_signed(document)
    if fresh.sign_key != pinned.sign_key:
        raise BadSignature(
            f"hub at {client.base_url} now signs with another key; it is not the hub this "
            "node enrolled with",
            hint="if the county really replaced its hub, re-enroll with a new code",
        )
    with home.database.transaction() as conn:
        set_setting(conn, "hub_info", document.to_dict())
    return fresh


def pinned_hub(home: NodeHome) -> tuple[str, HubInfo]:
    """The enrolled hub's address and pinned description.

    Raises:
        SyncFailed: the node is not enrolled yet (exit 4: nothing to retry).
    """
    stored = get_json_setting(home.conn, "hub_info")
    if not stored:
        raise SyncFailed(
            "this node is not enrolled; run `township-node enroll --hub URL --code CODE`",
            exit_code=4,
            message_zh="本机尚未注册到县级中心，请先注册",
        )
    # Pinned at enrollment: trust the stored copy, which we verified then.
    return home.setting("hub_url"), HubInfo(**SignedDocument.from_dict(stored).body)
