"""Provides reconciliation: per node, what arrived against what it announced, and the
audited admin actions on a node (resend, accept a gap, revoke).
"""

from __future__ import annotations

from .actions import (
    accept_gap,
    audit_log,
    audit_table,
    request_resend,
    resend_instruction,
    revocation_list,
    revoke_node,
)
from .nodes import node_detail_tables, reconcile_table, record_report

__all__ = [
    "accept_gap",
    "audit_log",
    "audit_table",
    "node_detail_tables",
    "reconcile_table",
    "record_report",
    "request_resend",
    "resend_instruction",
    "revocation_list",
    "revoke_node",
]
