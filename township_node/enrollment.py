"""Provides enrollment: a node introduces its keys to a hub and pins the hub's keys."""

from __future__ import annotations

from sync_protocol import (
    HubClient,
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

__all__ = ["enroll", "pinned_hub"]


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
