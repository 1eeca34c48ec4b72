"""Provides `central-hub conflicts` and `central-hub routed`: cases that crossed centers.

central-hub conflicts     events two centers recorded on one case at once, and the outcome
central-hub routed        cases with more than one party, who holds them, feed backlog
"""

from __future__ import annotations

import argparse
from typing import Any

import sqlalchemy as sa

from .common import open_from_args as _open

__all__ = ["add_routing_commands"]


def add_routing_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "conflicts",
        parents=[common],
        help="actions two centers recorded on one case at once (both kept; rule order applied)",
    )
    p.set_defaults(handler=_conflicts)
    p = sub.add_parser(
        "routed", parents=[common], help="cases handed between centers, and each party's feed"
    )
    p.set_defaults(handler=_routed)


def _conflicts(args: argparse.Namespace) -> dict[str, Any]:
    from ..store import case_conflicts, cases, events

    c = case_conflicts.c
    query = (
        sa.select(
            cases.c.case_no,
            cases.c.status,
            events.c.node_id,
            events.c.type,
            events.c.occurred_at,
            c.outcome,
            c.reason,
            c.detected_at,
        )
        .join(events, events.c.event_id == c.event_id)
        .join(cases, cases.c.case_id == c.case_id, isouter=True)
        .order_by(c.detected_at)
    )
    with _open(args).engine.connect() as conn:
        return {"conflicts": [dict(row._mapping) for row in conn.execute(query)]}


def _routed(args: argparse.Namespace) -> dict[str, Any]:
    from ..store import case_parties, cases, feed

    parties = (
        sa.select(
            cases.c.case_no,
            cases.c.status,
            case_parties.c.center_code,
            case_parties.c.joined_at,
            sa.select(sa.func.count())
            .where(
                feed.c.center_code == case_parties.c.center_code,
            )
            .scalar_subquery()
            .label("center_feed_entries"),
        )
        .join(cases, cases.c.case_id == case_parties.c.case_id)
        .order_by(cases.c.case_no, case_parties.c.joined_at)
    )
    with _open(args).engine.connect() as conn:
        return {"parties": [dict(row._mapping) for row in conn.execute(parties)]}
