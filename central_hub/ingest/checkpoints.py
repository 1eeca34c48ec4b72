"""Provides the hub's case checkpoints: each clean fold's state and head, kept beside the case.

A batch that continues a case with a checkpoint applies only its new events
(casework.continue_history); without one (a fork, a set-aside or waiting event, a store
written before checkpoints, a checkpoint another version wrote) the case is folded from all
its events, and the checkpoint is written again once its fold is clean. The events are the
record: dropping this table loses nothing but time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

import casework

from ..store import in_chunks, insert_many, metadata

__all__ = ["Checkpoint", "case_checkpoints", "load_checkpoints", "save_checkpoints"]

case_checkpoints = sa.Table(
    "case_checkpoints",
    metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("head", sa.String(36), nullable=False),
    sa.Column("state", sa.Text, nullable=False),
)

Checkpoint = tuple[str, casework.CaseState]
"""(the event the fold ended with, the state it gave)."""


def load_checkpoints(conn: sa.Connection, case_ids: Iterable[str]) -> dict[str, Checkpoint]:
    """The readable checkpoints of these cases."""
    found: dict[str, Checkpoint] = {}
    for chunk in in_chunks(case_ids):
        rows = conn.execute(
            sa.select(case_checkpoints).where(case_checkpoints.c.case_id.in_(chunk))
        )
        for case_id, head, text in rows:
            state = casework.state_from_checkpoint(text)
            if state is not None:
                found[case_id] = (head, state)
    return found


def save_checkpoints(
    conn: sa.Connection, kept: Mapping[str, Checkpoint], stale: Iterable[str]
) -> None:
    """Replaces the checkpoints of the `stale` cases (those the batch continued) by `kept`, in
    the caller's transaction: a stale case not kept is one whose fold is not clean now."""
    gone = sorted(set(stale))
    for start in range(0, len(gone), 500):
        conn.execute(
            case_checkpoints.delete().where(
                case_checkpoints.c.case_id.in_(gone[start : start + 500])
            )
        )
    insert_many(
        conn,
        case_checkpoints,
        [
            {"case_id": case_id, "head": head, "state": casework.checkpoint_json(state)}
            for case_id, (head, state) in kept.items()
        ],
    )
