"""Provides case routing between centers: parties, the downward feed, conflicts, waiting events.

A case's parties are the center that accepted it and every center it has been handed to
(escalated 上报, transferred, returned). Each party's node must see what the others record,
so every event of a case with more than one party goes to the feed of each party that did
not write it; a center that joins a case gets its whole history first. Nodes pull their
center's feed by position (feed.py). Kept in the batch's transaction, like the projection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

import casework
from sync_protocol import Event

from ..store import case_conflicts, case_parties, feed, in_chunks, insert_many, pending_events

__all__ = ["CaseFold", "route_cases"]


@dataclass(frozen=True, slots=True)
class CaseFold:
    """One case as a batch left it: its fold, the events stored before and the new ones."""

    case_id: str
    history: casework.CaseHistory
    stored: list[Event]
    """Empty when the fold continued the case's checkpoint: nothing here needed them then."""
    fresh: list[Event]
    existed: bool
    """A case row was there before this batch."""

    @property
    def accept_node(self) -> str:
        for event in (*self.stored, *self.fresh):
            if event.type == "accept":
                return event.node_id
        return ""


def route_cases(
    conn: sa.Connection,
    folds: list[CaseFold],
    *,
    quarantined: set[str],
    center_of: Callable[[str], str],
    now: str,
) -> None:
    """Records pending events, conflicts, parties and feed entries for the folded cases."""
    _record_pending(conn, folds, quarantined, now)
    _record_conflicts(conn, [f for f in folds if f.history.forks], now)
    known = _known_parties(conn, [f.case_id for f in folds if f.existed or f.stored])
    crossing = [f for f in folds if len(_parties(f, center_of) | known.get(f.case_id, set())) > 1]
    if crossing:
        _feed_parties(conn, crossing, known, quarantined, center_of, now)


def _known_parties(conn: sa.Connection, case_ids: list[str]) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for chunk in in_chunks(case_ids):
        for case_id, center in conn.execute(
            sa.select(case_parties.c.case_id, case_parties.c.center_code).where(
                case_parties.c.case_id.in_(chunk)
            )
        ):
            known.setdefault(case_id, set()).add(center)
    return known


def _parties(fold: CaseFold, center_of: Callable[[str], str]) -> set[str]:
    """The parties the fold shows: the accepting center, the holder and those it came through,
    and every center that recorded on it. One the case has since left is in case_parties."""
    state = fold.history.state
    if state is None:
        return set()
    writers = {center_of(event.node_id) for event in (*fold.stored, *fold.fresh)}
    return {state.center_code, state.holder_center, *state.holder_trail, *writers}


def _record_pending(
    conn: sa.Connection, folds: list[CaseFold], quarantined: set[str], now: str
) -> None:
    waited = [f.case_id for f in folds if f.existed or f.stored]
    if waited:
        conn.execute(pending_events.delete().where(pending_events.c.case_id.in_(waited)))
    rows = []
    for fold in folds:
        if not fold.history.pending:
            continue
        by_id = {e.event_id: e for e in (*fold.stored, *fold.fresh)}
        rows += [
            {"event_id": i, "case_id": fold.case_id, "after_event": by_id[i].after, "since": now}
            for i in fold.history.pending
            if i not in quarantined
        ]
    insert_many(conn, pending_events, rows)


def _record_conflicts(conn: sa.Connection, folds: list[CaseFold], now: str) -> None:
    """Lists every event on a losing branch of a fork; the first listing's time is kept."""
    if not folds:
        return
    ids = [f.case_id for f in folds]
    seen = {
        event_id: detected_at
        for event_id, detected_at in conn.execute(
            sa.select(case_conflicts.c.event_id, case_conflicts.c.detected_at).where(
                case_conflicts.c.case_id.in_(ids)
            )
        )
    }
    conn.execute(case_conflicts.delete().where(case_conflicts.c.case_id.in_(ids)))
    rows = []
    for fold in folds:
        aside = {a.event_id: a for a in fold.history.set_aside}
        for fork in fold.history.forks:
            for event_id in fork.branches[1:]:
                set_aside = aside.get(event_id)
                rows.append(
                    {
                        "event_id": event_id,
                        "case_id": fold.case_id,
                        "after_event": fork.after,
                        "outcome": "set_aside" if set_aside else "merged",
                        "reason": set_aside.reason
                        if set_aside
                        else f"recorded concurrently with event {fork.branches[0]}; both applied",
                        "detected_at": seen.get(event_id, now),
                    }
                )
    insert_many(conn, case_conflicts, rows)


def _feed_parties(
    conn: sa.Connection,
    folds: list[CaseFold],
    known: dict[str, set[str]],
    quarantined: set[str],
    center_of: Callable[[str], str],
    now: str,
) -> None:
    party_rows, feed_rows = [], []
    for fold in folds:
        before = known.get(fold.case_id, set())
        for center in sorted(_parties(fold, center_of) | before):
            joined = center not in before
            if joined:
                party_rows.append(
                    {"case_id": fold.case_id, "center_code": center, "joined_at": now}
                )
            # A center joining the case gets its whole history; the others what is new.
            events: Iterable[Event] = (*fold.stored, *fold.fresh) if joined else fold.fresh
            for event in events:
                author = center_of(event.node_id)
                if author != center and event.event_id not in quarantined:
                    feed_rows.append(
                        {
                            "center_code": center,
                            "event_id": event.event_id,
                            "author_center": author,
                            "added_at": now,
                        }
                    )
    insert_many(conn, case_parties, party_rows)
    if feed_rows:  # positions are numbered by the database, so not through insert_many
        conn.execute(feed.insert(), feed_rows)
