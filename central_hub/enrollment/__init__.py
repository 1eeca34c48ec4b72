"""Provides enrollment: one-time codes, node registration (also as vouched for by a
linked county), and the replacement of a dead PC by one restored from its backup.
"""

from __future__ import annotations

from .codes import (
    CODE_LIFETIME,
    accept_forwarded_registration,
    issue_code,
    redeem_code,
    sign_registration,
)
from .counties import verified_from_linked_county
from .replacement import accept_forwarded_replacement, replacement_statement

__all__ = [
    "CODE_LIFETIME",
    "accept_forwarded_registration",
    "accept_forwarded_replacement",
    "issue_code",
    "redeem_code",
    "replacement_statement",
    "sign_registration",
    "verified_from_linked_county",
]
