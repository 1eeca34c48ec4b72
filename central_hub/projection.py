"""Provides the hub's case projection: folding applied events into case rows.

The hub runs the same pure state machine as the node (casework), so an event that breaks
a case rule is caught here too. It is quarantined, not applied: kept in the log, named with
its rule in the receipt and the quarantine table, while the rest of its batch applies.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

import casework
from sync_protocol import Event, decode_event, format_timestamp, parse_timestamp

from .catalogs import CatalogVersions
from .errors import RuleViolation
from .store import cases, events, insert_many

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
    sender_center: str,
    catalogs: CatalogVersions,
) -> list[Quarantined]:
    """Folds a batch's events into the cases table, inside the caller's transaction.

    An event that breaks a case rule, or that the sender has no right to make, is not
    applied; it is returned as quarantined (and stays in the log, marked), so one bad record
    never blocks the valid work behind it.

    Args:
        sender_center: the center the sending node is enrolled for; a node acts only on
            cases its center accepted or now holds.
        catalogs: the catalog versions this hub knows, to judge each acceptance by the
            version the case names.
    """
    states = _states_before(conn, batch_events)
    created: set[str] = set()
    touched: dict[str, Event] = {}
    quarantined: list[Quarantined] = []
    for event in batch_events:
        before = states.get(event.case_id)
        try:
            after = _apply(before, event)
            _check_sender_holds(before, after, event, sender_center)
            if before is None:
                _check_acceptance(catalogs, after, event)
        except RuleViolation as exc:
            quarantined.append(Quarantined(event, exc))
            continue
        states[event.case_id], touched[event.case_id] = after, event
        if before is None:
            created.add(event.case_id)
    _write_rows(conn, states, touched, created)
    return quarantined


def _write_rows(
    conn: sa.Connection,
    states: dict[str, casework.CaseState],
    touched: dict[str, Event],
    created: set[str],
) -> None:
    new_rows = [_row(states[cid], touched[cid]) for cid in touched if cid in created]
    if new_rows:
        insert_many(conn, cases, new_rows)
    for case_id in touched.keys() - created:
        row = _row(states[case_id], touched[case_id])
        conn.execute(
            cases.update()
            .where(cases.c.case_id == case_id)
            .values(
                status=row["status"], completed_at=row["completed_at"], updated_at=row["updated_at"]
            )
        )


def _states_before(
    conn: sa.Connection, batch_events: Sequence[Event]
) -> dict[str, casework.CaseState]:
    """Refolds, from the log, the cases this batch continues (not those it opens)."""
    opened_here = {e.case_id for e in batch_events if e.type == "accept"}
    continued = {e.case_id for e in batch_events} - opened_here
    states: dict[str, casework.CaseState] = {}
    if not continued:
        return states
    rows = conn.execute(
        sa.select(events.c.case_id, events.c.body)
        .where(events.c.case_id.in_(continued), events.c.quarantined.is_(False))
        .order_by(events.c.case_id, events.c.occurred_at, events.c.node_id, events.c.seq)
    )
    for case_id, body in rows:
        states[case_id] = _apply(states.get(case_id), decode_event(body))
    return states


def _check_sender_holds(
    before: casework.CaseState | None,
    after: casework.CaseState,
    event: Event,
    sender_center: str,
) -> None:
    holder = after.center_code if before is None else before.holder_center
    if holder != sender_center:
        raise RuleViolation(
            f"node {event.node_id} of center {sender_center} recorded {event.type!r} on case "
            f"{after.case_no}, which center {holder} holds",
            hint="a center may act only on the cases it accepted or was handed",
        )


def _check_acceptance(catalogs: CatalogVersions, state: casework.CaseState, event: Event) -> None:
    """Judges an acceptance by the catalog it names: delegated-away or unavailable items are
    refused here as at the window. A version this hub has not seen cannot be judged yet."""
    catalog = catalogs.get(state.catalog_version or "")
    if catalog is None:
        log.info("case %s names catalog %r, unknown here", state.case_no, state.catalog_version)
        return
    level = "township" if len(state.center_code) == 9 else "county"
    try:
        item = catalog.get(state.item_code)
        casework.check_item_available(
            item, center_level=level, on_date=casework.local_date(state.accepted_at)
        )
        casework.check_fee(item, event.payload.get("fee_yuan", "0"))
    except casework.CaseworkError as exc:
        raise RuleViolation(
            f"case {state.case_no} (event {event.event_id}) breaks an acceptance rule: "
            f"{exc.message}",
            hint="the node accepted an item its catalog does not allow at this center",
        ) from exc


def _apply(state: casework.CaseState | None, event: Event) -> casework.CaseState:
    try:
        return casework.apply_event(
            state,
            case_id=event.case_id,
            type=event.type,
            payload=event.payload,
            occurred_at=parse_timestamp(event.occurred_at),
        )
    except casework.CaseworkError as exc:
        raise RuleViolation(
            f"event {event.event_id} (node {event.node_id} seq {event.seq}) breaks a case "
            f"rule: {exc.message}",
            hint="the node and hub disagree on the case rules; check both software versions",
        ) from exc


def _row(state: casework.CaseState, last: Event) -> dict[str, object]:
    return {
        "case_id": state.case_id,
        "case_no": state.case_no,
        "node_id": last.node_id,
        "center_code": state.center_code,
        "item_code": state.item_code,
        "category": state.category,
        "status": state.status,
        "accepted_at": format_timestamp(state.accepted_at),
        "completed_at": format_timestamp(state.completed_at) if state.completed_at else None,
        "updated_at": last.occurred_at,
    }
