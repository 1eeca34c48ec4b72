"""Provides the reconciliation commands of `central-hub`.

central-hub reconcile [--county CODE] [--json]     every node: arrived vs announced, gaps…
central-hub node NODE_ID                            one node's refused, quarantined, held
central-hub resend NODE_ID --from N --reason TEXT   ask it to send again (next sync)
central-hub accept-gap NODE_ID --reason TEXT        give up on a gap, apply what waits
central-hub revoke NODE_ID --reason TEXT            refuse its key from now on
central-hub audit                                   who did what to which node, and why
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from ..tables import Table
from .common import open_from_args as _open

__all__ = ["add_reconcile_commands"]


def add_reconcile_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "reconcile", parents=[common], help="per node: what arrived, gaps, refusals, skew"
    )
    p.add_argument("--county", default=None, help="only the nodes of this county")
    p.add_argument("--silent-days", type=int, default=7, help="silent after N days (7)")
    p.set_defaults(handler=_reconcile)

    p = sub.add_parser("node", parents=[common], help="one node's refused, quarantined, held")
    p.add_argument("node_id")
    p.set_defaults(handler=_node)

    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--reason", required=True, help="why (kept in the audit log)")
    actor.add_argument(
        "--actor",
        default=os.environ.get("CENTRAL_HUB_ACTOR") or getpass.getuser(),
        help="who acts (default: the login name)",
    )
    p = sub.add_parser(
        "resend", parents=[common, actor], help="ask a node to send its batches again"
    )
    p.add_argument("node_id")
    p.add_argument("--from", dest="from_seq", type=int, required=True, help="first batch seq")
    p.set_defaults(handler=_resend)

    p = sub.add_parser(
        "accept-gap", parents=[common, actor], help="give up on missing batches of a node"
    )
    p.add_argument("node_id")
    p.set_defaults(handler=_accept_gap)

    p = sub.add_parser("revoke", parents=[common, actor], help="revoke a node's key")
    p.add_argument("node_id")
    p.set_defaults(handler=_revoke)

    p = sub.add_parser("audit", parents=[common], help="admin actions on nodes, with reasons")
    p.set_defaults(handler=_audit)


def _reconcile(args: argparse.Namespace) -> Table:
    from ..reconcile import reconcile_table

    return reconcile_table(_open(args), county=args.county, silent_days=args.silent_days)


def _node(args: argparse.Namespace) -> list[Table]:
    from ..reconcile import node_detail_tables

    return node_detail_tables(_open(args), args.node_id)


def _resend(args: argparse.Namespace) -> dict[str, Any]:
    from ..reconcile import request_resend

    request_resend(
        _open(args),
        args.node_id,
        from_batch_seq=args.from_seq,
        actor=args.actor,
        reason=args.reason,
    )
    return {"node_id": args.node_id, "resend_from": args.from_seq, "delivered": "next sync"}


def _accept_gap(args: argparse.Namespace) -> dict[str, Any]:
    from ..reconcile import accept_gap

    skipped = accept_gap(_open(args), args.node_id, actor=args.actor, reason=args.reason)
    return {"node_id": args.node_id, **skipped}


def _revoke(args: argparse.Namespace) -> dict[str, Any]:
    from ..reconcile import revoke_node

    revoke_node(_open(args), args.node_id, actor=args.actor, reason=args.reason)
    return {"node_id": args.node_id, "revoked": True}


def _audit(args: argparse.Namespace) -> Table:
    from ..reconcile import audit_table

    return audit_table(_open(args))
