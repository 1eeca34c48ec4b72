"""Provides the fold of one case's events recorded at several centers, in the rule order.

Each event names the event it follows (``after``): the newest event of the case its writer had
seen. One writer at a time makes a chain; two centers acting on the same case while both are
offline make a fork: two events after the same one. The fold never drops either fact. It walks
the tree depth first and, at a fork, takes the branches in the *rule order*: the branch of the
center that held the case first (it owns the work), then by time, then by event id. Each event
is applied to the case as it stands if that is legal, and otherwise set aside, kept for a
human to decide. The order depends only on the events, so a node, its county and the
prefecture fold the same events to the same state whatever order they arrived in.

An event whose predecessor has not arrived yet waits (``pending``) and is folded when it does.
Events written before ``after`` existed (event schema 1) follow the previous one given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework.actors import check_actor
from casework.case import CaseState
from casework.errors import CaseworkError
from casework.lifecycle import apply_event

__all__ = ["CaseEvent", "CaseHistory", "Fork", "SetAside", "continue_history", "fold_history"]


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One event of a case, with what the fold needs to order it and judge its writer."""

    event_id: str
    case_id: str
    type: str
    payload: Mapping[str, Any]
    occurred_at: datetime
    center: str
    """The center whose node recorded the event."""
    after: str | None = None
    """The event this one follows; None for an acceptance and for schema-1 events."""


@dataclass(frozen=True, slots=True)
class SetAside:
    """An event kept but not applied to the case."""

    event_id: str
    reason: str
    reason_zh: str
    conflict: bool
    """True when the event was legal where its writer stood but the case had moved on in the
    meantime (a concurrent action: a human decides); False when it breaks a rule even there."""
    code: str = ""
    """The rule's error code (e.g. ``illegal_transition``, ``not_holder``), for statistics."""


@dataclass(frozen=True, slots=True)
class Fork:
    """Two or more events recorded after the same event, by writers who did not see each other."""

    after: str
    branches: tuple[str, ...]
    """The first event of each branch, in the rule order (the first one wins ties)."""


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """What the fold of a case's events gives."""

    state: CaseState | None
    """None while the acceptance has not arrived (every event is pending)."""
    applied: tuple[str, ...] = ()
    """Event ids applied, in the rule order."""
    set_aside: tuple[SetAside, ...] = ()
    pending: tuple[str, ...] = ()
    forks: tuple[Fork, ...] = ()

    @property
    def head(self) -> str | None:
        """The event a new event on this case follows."""
        return self.applied[-1] if self.applied else None


_Invalid = tuple[str, str, str]  # (reason, reason_zh, code)
_SECOND_ACCEPT = (
    "the case was already accepted by another event",
    "办件已有受理事件，本次受理未采用",
    "second_acceptance",
)
_AFTER_INVALID = (
    "follows an event that was set aside as invalid",
    "所依据的前一事件无效，本事件未采用",
    "follows_invalid",
)


@dataclass
class _Fold:
    """The running state of one fold (internal)."""

    state: CaseState | None = None
    applied: list[str] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    forks: list[Fork] = field(default_factory=list)


def _apply(state: CaseState | None, event: CaseEvent) -> CaseState:
    check_actor(state, center=event.center, type=event.type, payload=event.payload)
    return apply_event(
        state,
        case_id=event.case_id,
        type=event.type,
        payload=event.payload,
        occurred_at=event.occurred_at,
    )


def _rule_order(siblings: list[CaseEvent], basis: CaseState | None) -> list[CaseEvent]:
    holder = basis.holder_center if basis is not None else None
    return sorted(siblings, key=lambda e: (e.center != holder, e.occurred_at, e.event_id))


def fold_history(events: Iterable[CaseEvent]) -> CaseHistory:
    """Folds one case's events, given in storage order, into its state in the rule order.

    Duplicates (the same event id twice) count once. Never raises for a bad event: it is set
    aside with its reason, and so are the events that follow only it.
    """
    by_id: dict[str, CaseEvent] = {}
    parent_of: dict[str, str | None] = {}
    previous: str | None = None
    for event in events:
        if event.event_id in by_id:
            continue
        by_id[event.event_id] = event
        parent = event.after
        if parent is None and event.type != "accept":
            parent = previous  # schema 1: events of one center, in its order
        parent_of[event.event_id] = parent
        previous = event.event_id
    children: dict[str | None, list[CaseEvent]] = {}
    for event_id, parent in parent_of.items():
        children.setdefault(parent, []).append(by_id[event_id])

    fold = _Fold()
    roots = sorted(children.get(None, []), key=lambda e: (e.occurred_at, e.event_id))
    # (event, the state its writer saw before it, why it cannot apply if it cannot)
    stack: list[tuple[CaseEvent, CaseState | None, _Invalid | None]] = [
        (root, None, _SECOND_ACCEPT if index else None)
        for index, root in reversed(list(enumerate(roots)))
    ]
    reached: set[str] = set()
    while stack:
        event, basis, invalid = stack.pop()
        reached.add(event.event_id)
        path = _visit(fold, event, basis, invalid)
        kids = children.get(event.event_id, [])
        if len(kids) > 1:
            kids = _rule_order(kids, path if path is not None else basis)
            fold.forks.append(Fork(event.event_id, tuple(k.event_id for k in kids)))
        invalid = None if path is not None else _AFTER_INVALID
        stack.extend((kid, path, invalid) for kid in reversed(kids))
    pending = tuple(event_id for event_id in by_id if event_id not in reached)
    return CaseHistory(
        fold.state, tuple(fold.applied), tuple(fold.set_aside), pending, tuple(fold.forks)
    )


def continue_history(
    state: CaseState, head: str, events: Sequence[CaseEvent]
) -> CaseHistory | None:
    """Folds new events onto a clean fold's state: the shortcut past refolding its history.

    A fold is clean when it applied every event it was given, in one chain (nothing set aside
    or pending, no fork); `state` and `head` are what it ended with. When the new events go on
    in one chain from `head` and each applies, folding the whole history again would apply
    them in the same order to the same state, so the answer is the same: the history
    returned, whose `applied` holds only the new events.

    Returns:
        None when the whole history must be folded instead: an event that does not follow the
        one before it (a fork, a gap, a schema-1 event without ``after``), a second
        acceptance, or one that cannot apply (the full fold says why it is set aside).
    """
    applied: list[str] = []
    for event in events:
        if event.after != head or event.type == "accept":
            return None
        try:
            state = _apply(state, event)
        except CaseworkError:
            return None
        head = event.event_id
        applied.append(head)
    return CaseHistory(state, tuple(applied))


def _visit(
    fold: _Fold, event: CaseEvent, basis: CaseState | None, invalid: _Invalid | None
) -> CaseState | None:
    """Applies `event`; returns the state its writer saw after it (None if it is invalid)."""
    if invalid is not None:
        reason, reason_zh, code = invalid
        fold.set_aside.append(SetAside(event.event_id, reason, reason_zh, False, code))
        return None
    try:
        path = _apply(basis, event)
    except CaseworkError as exc:
        fold.set_aside.append(
            SetAside(event.event_id, exc.message, exc.message_zh, False, exc.code)
        )
        return None
    if fold.state is basis:  # the usual case: nothing happened meanwhile
        fold.state = path
        fold.applied.append(event.event_id)
        return path
    try:
        fold.state = _apply(fold.state, event)
    except CaseworkError as exc:
        fold.set_aside.append(
            SetAside(
                event.event_id,
                f"recorded concurrently with another action: {exc.message}",
                f"与其他中心的操作同时发生，未采用：{exc.message_zh}",
                conflict=True,
                code="concurrent_action",
            )
        )
        return path
    fold.applied.append(event.event_id)
    return path
