"""Provides the check behind everything a linked county hub vouches for: registrations,
replacements and backlog statements it passes up are signed by that county's hub key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sync_protocol import SignedDocument, VerifyKey, b64decode, verify_document

from ..errors import EnrollmentRefused
from ..store import nodes

__all__ = ["verified_from_linked_county"]


def verified_from_linked_county(
    conn: sa.Connection, document: SignedDocument, *, kind: str
) -> tuple[Any, dict[str, Any]]:
    """The linked county hub that signed `document`, and the document's body.

    Raises:
        EnrollmentRefused: no linked, unrevoked county hub holds the signing key.
        BadSignature, MalformedInput.
    """
    counties = conn.execute(
        sa.select(nodes).where(nodes.c.kind == "hub", nodes.c.revoked_at.is_(None))
    ).all()
    by_key = {VerifyKey(b64decode(row.sign_key, what="key")).key_id: row for row in counties}
    sender = by_key.get(document.signer_key_id)
    if sender is None:
        raise EnrollmentRefused(f"the {kind} is not signed by a linked county hub")
    key = VerifyKey(b64decode(sender.sign_key, what="key"))
    return sender, verify_document(document, key, kind=kind)
