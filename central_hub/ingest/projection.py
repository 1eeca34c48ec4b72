"""Provides the hub's case projection: folding applied events into case rows.

The hub runs the same pure fold as the node (casework.fold_history), so an event that breaks
a case rule is caught here too. It is quarantined, not applied: kept in the log, named with
its rule in the receipt and the quarantine table, while the rest of its batch applies.

A case recorded at several centers is folded from all its events in the rule order, whatever
order they arrived in: an event recorded concurrently with another center's is kept and
listed as a conflict (routing.py), and one whose predecessor has not arrived yet waits.

Each fold is done once: a case whose fold so far is clean keeps its state as a checkpoint
(checkpoints.py), and a batch that goes on from it applies only its new events. Only an
event out of order for its case (a fork, a gap), one that breaks a rule, or a case gaining a
party sends the case back to the full fold of its stored events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

import casework
from sync_protocol import Event, decode_event, format_timestamp, parse_timestamp, upcast_event

from ..catalogs import CatalogVersions
from ..compliance import case_rows, record_case_changes
from ..errors import RuleViolation
from ..store import cases, events, in_chunks, insert_many, pending_events, update_many
from .checkpoints import Checkpoint, load_checkpoints, save_checkpoints
from .routing import CaseFold, route_cases

__all__ = ["Quarantined", "project_events"]

log = logging.getLogger("central_hub.projection")


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An event kept in the log but not applied to its case: it breaks a rule."""

    event: Event
    violation: RuleViolation


def project_events(
    conn: sa.Connection,
    batch_events: Sequence[Event],
    *,
    center_of: Callable[[str], str],
    catalogs: CatalogVersions,
    calendar: casework.WorkCalendar,
    now: str,
) -> list[Quarantined]:
    """Folds a batch's events into the cases table, inside the caller's transaction.

    An event that breaks a case rule, or that its center has no right to make, is not
    applied; it is returned as quarantined (and stays in the log, marked), so one bad record
    never blocks the valid work behind it.

    Args:
        center_of: the center of a node (the writer of an event).
        catalogs: the catalog versions this hub knows, to judge each acceptance by the
            version the case names.
        calendar: the working-day calendar open cases' deadlines are counted in.
    """
    by_case: dict[str, list[Event]] = {}
    for event in batch_events:
        by_case.setdefault(event.case_id, []).append(event)
    # The stored rows of the cases this batch continues: whether each exists, and what the
    # rollups must take back when it changes (one read for both).
    before = case_rows(conn, by_case)
    waiting = _cases_with_pending(conn, by_case)
    checkpoints = load_checkpoints(conn, before.keys() - waiting)
    folds: list[CaseFold] = []
    refolded: dict[str, list[Event]] = {}
    for case_id, new_events in by_case.items():
        fold = _continued(case_id, checkpoints.get(case_id), new_events, center_of)
        if fold is not None:
            folds.append(fold)
        else:
            refolded[case_id] = new_events
    stored = _stored_events(conn, (before.keys() | waiting) & refolded.keys())
    refused_acceptances: list[Quarantined] = []
    refused_by_fold: list[Quarantined] = []
    for case_id, new_events in refolded.items():
        old = stored.get(case_id, [])
        bad = {event.event_id for event, was_quarantined in old if was_quarantined}
        kept = [event for event, was_quarantined in old if not was_quarantined]
        fresh = [event for event in new_events if event.event_id not in bad]
        history = _fold(kept, fresh, center_of)
        refusals = _acceptances_refused(history, fresh, catalogs)
        if refusals:  # rare: fold again without the acceptances the catalog refuses
            refused_acceptances += refusals
            bad |= {q.event.event_id for q in refusals}
            fresh = [event for event in fresh if event.event_id not in bad]
            history = _fold(kept, fresh, center_of)
        refused_by_fold += _refused(history, fresh, bad)
        folds.append(CaseFold(case_id, history, kept, fresh, case_id in before))
    order = {event.event_id: index for index, event in enumerate(batch_events)}
    refused_acceptances.sort(key=lambda q: order[q.event.event_id])
    quarantined = refused_acceptances + refused_by_fold
    _write_rows(conn, folds, before, calendar, now)
    save_checkpoints(
        conn,
        {fold.case_id: checkpoint for fold in folds if (checkpoint := _checkpoint(fold))},
        stale=[fold.case_id for fold in folds if fold.existed],
    )
    refused_ids = {q.event.event_id for q in quarantined}
    route_cases(conn, folds, quarantined=refused_ids, center_of=center_of, now=now)
    return quarantined


def _continued(
    case_id: str,
    checkpoint: Checkpoint | None,
    new_events: list[Event],
    center_of: Callable[[str], str],
) -> CaseFold | None:
    """The case's fold from its checkpoint and the new events alone, or None when the whole
    history must be folded (see casework.continue_history).

    Also None when the case gains a party: a center joining a case is sent its whole history
    (routing.py), which is read from the stored events. Its parties before are all in the
    checkpoint's state (its window, holder and trail; every writer was one of those).
    """
    if checkpoint is None:
        return None
    head, state = checkpoint
    history = casework.continue_history(
        state, head, [_case_event(event, center_of) for event in new_events]
    )
    if history is None or history.state is None:
        return None
    before = {state.center_code, state.holder_center, *state.holder_trail}
    after = history.state
    writers = {center_of(event.node_id) for event in new_events}
    if not {after.center_code, after.holder_center, *after.holder_trail, *writers} <= before:
        return None
    return CaseFold(case_id, history, [], new_events, existed=True)


def _checkpoint(fold: CaseFold) -> Checkpoint | None:
    """What to keep of a fold for the next batch: only a clean one (see checkpoints.py)."""
    history = fold.history
    if history.state is None or history.set_aside or history.pending or history.forks:
        return None
    assert history.head is not None  # a state comes from at least the acceptance
    return history.head, history.state


def _refused(history: casework.CaseHistory, fresh: list[Event], bad: set[str]) -> list[Quarantined]:
    """The new events to quarantine: those breaking a rule where their writer stood, and those
    following a quarantined event. `bad` grows with them."""
    aside = {a.event_id: a for a in history.set_aside if not a.conflict}
    pending = set(history.pending)
    refused = []
    for event in fresh:  # in the writer's order, so a follower comes after what it follows
        reason = aside.get(event.event_id)
        if reason is not None:
            message, code = reason.reason, reason.code
        elif event.event_id in pending and event.after in bad:
            message = f"it follows event {event.after}, which was quarantined"
            code = "follows_quarantined"
        else:
            continue
        bad.add(event.event_id)
        violation = RuleViolation(
            f"event {event.event_id} (node {event.node_id} seq {event.seq}) breaks a "
            f"case rule: {message}",
            hint="the node and hub disagree on the case rules; check both software versions",
        )
        violation.code = code or violation.code
        refused.append(Quarantined(event, violation))
    return refused


def _fold(
    kept: list[Event], fresh: list[Event], center_of: Callable[[str], str]
) -> casework.CaseHistory:
    return casework.fold_history(_case_event(e, center_of) for e in (*kept, *fresh))


def _acceptances_refused(
    history: casework.CaseHistory, fresh: list[Event], catalogs: CatalogVersions
) -> list[Quarantined]:
    """Judges each new acceptance by the catalog it names: delegated-away or unavailable items
    are refused here as at the window. A version this hub has not seen cannot be judged yet.

    The applied acceptance is judged on the folded state, whose acceptance fields (center,
    item, catalog version, level that decides, time) only the accept sets: so an accept is
    parsed and its applicant validated once. Another acceptance of the case (one the fold set
    aside or left pending) is parsed on its own, as the fold would not judge it by the catalog.
    """
    refused = []
    for event in fresh:
        if event.type != "accept":
            continue
        if history.state is not None and history.applied[0] == event.event_id:
            state = history.state
        else:
            try:
                state = casework.apply_event(
                    None,
                    case_id=event.case_id,
                    type=event.type,
                    payload=event.payload,
                    occurred_at=parse_timestamp(event.occurred_at),
                )
            except casework.CaseworkError:
                continue  # the fold sets it aside with its reason
        violation = _acceptance_violation(catalogs, state, event)
        if violation is not None:
            refused.append(Quarantined(event, violation))
    return refused


def _acceptance_violation(
    catalogs: CatalogVersions, state: casework.CaseState, event: Event
) -> RuleViolation | None:
    catalog = catalogs.get(state.catalog_version or "")
    if catalog is None:
        log.info("case %s names catalog %r, unknown here", state.case_no, state.catalog_version)
        return None
    level = "township" if len(state.center_code) == 9 else "county"
    on_date = casework.local_date(state.accepted_at)
    try:
        item = catalog.get(state.item_code)
        received_for = casework.receive_only_level(item, center_level=level, on_date=on_date)
        if state.decided_by is None or state.decided_by != received_for:
            casework.check_item_available(item, center_level=level, on_date=on_date)
        casework.check_fee(item, event.payload.get("fee_yuan", "0"))
    except casework.CaseworkError as exc:
        violation = RuleViolation(
            f"case {state.case_no} (event {event.event_id}) breaks an acceptance rule: "
            f"{exc.message}",
            hint="the node accepted an item its catalog does not allow at this center",
        )
        # The rule's own code (item_delegated_away, fee_not_allowed, …): compliance counts it.
        violation.code = exc.code
        return violation
    return None


def _case_event(event: Event, center_of: Callable[[str], str]) -> casework.CaseEvent:
    return casework.CaseEvent(
        event_id=event.event_id,
        case_id=event.case_id,
        type=event.type,
        payload=event.payload,
        occurred_at=parse_timestamp(event.occurred_at),
        center=center_of(event.node_id),
        after=event.after,
    )


def _cases_with_pending(conn: sa.Connection, by_case: dict[str, list[Event]]) -> set[str]:
    found: set[str] = set()
    for chunk in in_chunks(by_case):
        found.update(
            conn.execute(
                sa.select(pending_events.c.case_id).where(pending_events.c.case_id.in_(chunk))
            ).scalars()
        )
    return found


def _stored_events(conn: sa.Connection, case_ids: set[str]) -> dict[str, list[tuple[Event, bool]]]:
    """Every stored event of these cases, each with whether it was quarantined."""
    stored: dict[str, list[tuple[Event, bool]]] = {}
    for chunk in in_chunks(case_ids):
        rows = conn.execute(
            sa.select(events.c.case_id, events.c.body, events.c.quarantined)
            .where(events.c.case_id.in_(chunk))
            .order_by(events.c.case_id, events.c.node_id, events.c.seq)
        )
        for case_id, body, was_quarantined in rows:
            # Stored lines stay as their node signed them; folding sees the current shape.
            event = upcast_event(decode_event(body))
            stored.setdefault(case_id, []).append((event, bool(was_quarantined)))
    return stored


def _write_rows(
    conn: sa.Connection,
    folds: list[CaseFold],
    before: Mapping[str, Mapping[str, object]],
    calendar: casework.WorkCalendar,
    now: str,
) -> None:
    """Writes the case rows, and the same changes to the compliance rollups."""
    new_rows: list[dict[str, object]] = []
    changed_rows: list[dict[str, object]] = []
    changes: list[tuple[Mapping[str, object] | None, Mapping[str, object]]] = []
    for fold in folds:
        state = fold.history.state
        if state is None:
            continue
        row = _row(state, fold.accept_node, calendar, received_at=now)
        if not fold.existed:
            new_rows.append(row)
            changes.append((None, row))
            continue
        del row["received_at"], row["case_no"], row["node_id"]
        changed_rows.append(row)
        changes.append((before[fold.case_id], row))
    insert_many(conn, cases, new_rows)
    update_many(conn, cases, "case_id", changed_rows)
    record_case_changes(conn, changes)


def _deadline(
    state: casework.CaseState, calendar: casework.WorkCalendar
) -> tuple[str | None, bool]:
    if not state.is_open or state.promised_limit_days is None:
        return None, False
    today = casework.local_date(state.updated_at or state.accepted_at)
    deadline = casework.case_deadline(state, calendar, today=today)
    return deadline.due.isoformat(), deadline.provisional


def _row(
    state: casework.CaseState,
    node_id: str,
    calendar: casework.WorkCalendar,
    *,
    received_at: str,
) -> dict[str, object]:
    due_date, provisional = _deadline(state, calendar)
    return {
        "case_id": state.case_id,
        "case_no": state.case_no,
        "node_id": node_id,
        "center_code": state.center_code,
        "item_code": state.item_code,
        "category": state.category,
        "status": state.status,
        "accepted_at": format_timestamp(state.accepted_at),
        "completed_at": format_timestamp(state.completed_at) if state.completed_at else None,
        "updated_at": format_timestamp(state.updated_at or state.accepted_at),
        "county_code": state.center_code[:6],
        "holder_center": state.holder_center,
        "due_date": due_date,
        "due_provisional": provisional,
        "received_at": received_at,
    }
