"""Provides reconciliation: per node, what arrived against what it announced; the audited
admin actions on a node (resend, accept a gap, revoke); and the audit log itself, which the
dashboard's sign-in writes to as well.
"""

from __future__ import annotations

from .actions import (
    MAX_BATCH_SEQ,
    NodeActionRefused,
    accept_gap,
    request_resend,
    resend_instruction,
    revocation_list,
    revoke_node,
)
from .audit import (
    REVOKE_ACTION,
    SIGN_IN_ACTOR,
    SIGN_IN_REASON,
    accept_gap_action,
    action_zh,
    actor_zh,
    audit_log,
    audit_table,
    reason_zh,
    record_audit,
    resend_action,
    sign_in_slowed_action,
)
from .nodes import node_detail_tables, reconcile_table, record_report

__all__ = [
    "MAX_BATCH_SEQ",
    "REVOKE_ACTION",
    "SIGN_IN_ACTOR",
    "SIGN_IN_REASON",
    "NodeActionRefused",
    "accept_gap",
    "accept_gap_action",
    "action_zh",
    "actor_zh",
    "audit_log",
    "audit_table",
    "node_detail_tables",
    "reason_zh",
    "reconcile_table",
    "record_audit",
    "record_report",
    "request_resend",
    "resend_action",
    "resend_instruction",
    "revocation_list",
    "revoke_node",
    "sign_in_slowed_action",
]
