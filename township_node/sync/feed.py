"""Provides the downward feed at the node: cases other centers work on, coming back here.

When a case crosses centers (escalated to the county, transferred, its result sent back to
the window where the citizen applied), the hub routes what the other center recorded to this
center's feed. A page is taken in one transaction: its events are stored (a page taken twice
adds nothing), every case it touches is folded again, the clerk is alerted to what concerns
this window, and the feed position moves on. Pages come over HTTP during a sync round or in
files on a USB stick; a page that starts after the position held here waits for the ones
before it, so nothing is skipped.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import casework
from sync_protocol import (
    MAX_FEED_PAGE_EVENTS,
    FeedPage,
    FeedRequest,
    HubInfo,
    SignedDocument,
    encode_event,
    format_timestamp,
    open_feed_page,
)

from ..alerts import record_alert
from ..catalog import current_calendar
from ..home import NodeHome
from ..projection import case_events, case_history, project
from ..store import set_setting
from ..texts import center_name
from .outbox import Outbox

if TYPE_CHECKING:  # the client (httpx) loads only when a round runs
    from sync_protocol import HubClient

__all__ = ["FeedReport", "feed_position", "feed_request", "pull_feed", "take_feed_page"]

_MAX_PAGES_PER_ROUND = 1_000


@dataclass(frozen=True, slots=True)
class FeedReport:
    pages: int = 0
    events: int = 0
    """Events new to this node."""
    cases: int = 0
    """Cases whose state changed."""
    alerts: int = 0

    def __add__(self, other: FeedReport) -> FeedReport:
        return FeedReport(
            self.pages + other.pages,
            self.events + other.events,
            self.cases + other.cases,
            self.alerts + other.alerts,
        )


def feed_position(home: NodeHome) -> int:
    """The hub feed position this node holds everything up to."""
    return int(home.setting("feed_position", "0"))


def feed_request(home: NodeHome, *, limit: int = MAX_FEED_PAGE_EVENTS) -> SignedDocument:
    """This node's signed ask for its feed after the position it holds, with what it holds
    itself (newest event, what waits to be sent) for the county's reconciliation."""
    status = Outbox(home).status()
    waiting = status.unbatched_events + status.unacknowledged_events
    return FeedRequest(
        node_id=home.node_id,
        after=feed_position(home),
        limit=limit,
        head_seq=status.last_event_seq,
        unsent_events=waiting,
        oldest_unsent_at=status.oldest_unsent_at if waiting else "",
        issued_at=format_timestamp(datetime.now(UTC)),
    ).sign(home.keys.signing)


def pull_feed(home: NodeHome, client: HubClient, hub: HubInfo) -> FeedReport:
    """Takes every page the hub has for this node.

    Raises:
        ProtocolError: the hub cannot be reached, refuses, or sends a page that does not open
            or verify (nothing of that page is taken).
    """
    total = FeedReport()
    for _ in range(_MAX_PAGES_PER_ROUND):
        blob = client.feed(feed_request(home))
        page = open_feed_page(
            blob, node_id=home.node_id, key=home.keys.sealing, hub_key=hub.verify_key()
        )
        taken = take_feed_page(home, page, hub_id=hub.hub_id)
        total += taken
        if not page.more:
            break
    return total


def take_feed_page(home: NodeHome, page: FeedPage, *, hub_id: str) -> FeedReport:
    """Stores a verified page and folds the cases it touches; returns what changed.

    A page for another hub or node, or one that starts after the position held here (an
    earlier page is missing), is left untaken.
    """
    if page.hub_id != hub_id or page.node_id != home.node_id:
        return FeedReport()
    calendar = current_calendar(home)
    with home.database.transaction() as conn:
        position = int(_setting(conn, "feed_position"))
        if page.after > position:
            return FeedReport()
        new_events, touched = 0, {}
        for entry in page.entries:
            if entry.event.node_id == home.node_id:
                continue  # our own event routed back: the log has it
            cursor = conn.execute(
                "INSERT OR IGNORE INTO feed_events "
                "(event_id, case_id, center_code, position, body, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    entry.event.event_id,
                    entry.event.case_id,
                    entry.center,
                    entry.position,
                    encode_event(entry.event),
                    format_timestamp(datetime.now(UTC)),
                ),
            )
            new_events += cursor.rowcount
            touched[entry.event.case_id] = True
        changed = alerts = 0
        for case_id in touched:
            case_changed, case_alerts = _refold(conn, case_id, home.center_code, calendar)
            changed += case_changed
            alerts += case_alerts
        if page.resend_from:  # the hub lost batches: send them again from there
            conn.execute(
                "UPDATE batches SET status = 'pending' WHERE batch_seq >= ? AND status = 'applied'",
                (page.resend_from,),
            )
        set_setting(conn, "feed_position", str(max(position, page.next)))
    return FeedReport(1, new_events, changed, alerts)


def _refold(
    conn: sqlite3.Connection, case_id: str, center: str, calendar: casework.WorkCalendar
) -> tuple[bool, int]:
    before = conn.execute(
        "SELECT status, holder_center, conflicts FROM cases WHERE case_id = ?", (case_id,)
    ).fetchone()
    history = case_history(conn, case_id)
    state = history.state
    if state is None:
        return False, 0  # its acceptance has not arrived yet
    project(conn, state, calendar, conflicts=len(history.forks))
    after = (state.status, state.holder_center, len(history.forks))
    if before is not None and tuple(before) == after:
        return False, 0
    alerts = 0
    last_writer = _writer_of_last(conn, case_id, history.head)
    arrived = state.holder_center == center and (before is None or before[1] != center)
    left = before is not None and before[1] == center and state.holder_center != center
    if arrived and state.status == "completed" and state.center_code == center:
        record_alert(
            conn,
            case_id,
            "result_back",
            f"result of case {state.case_no} is back ({state.result_code}); "
            "tell the applicant to collect it",
            f"办件 {state.case_no} 的办理结果已返回（{state.result_label}），"
            "请通知申请人领取并登记送达",
        )
        alerts += 1
    elif arrived:
        record_alert(
            conn,
            case_id,
            "handed_here",
            f"case {state.case_no} was handed to this center by {last_writer}",
            f"办件 {state.case_no} 由{center_name(last_writer)}转来本中心办理，请及时处理",
        )
        alerts += 1
    elif left and last_writer != center:  # e.g. the citizen withdrew at the accepting window
        record_alert(
            conn,
            case_id,
            "left_here",
            f"case {state.case_no} left this center: {last_writer} recorded "
            f"{state.status} ({state.result_code or '-'})",
            f"办件 {state.case_no} 已由{center_name(last_writer)}处理"
            f"（{casework.STATUS_LABELS_ZH[state.status]}），不再由本中心办理",
        )
        alerts += 1
    if len(history.forks) > (before[2] if before is not None else 0):
        record_alert(
            conn,
            case_id,
            "conflict",
            f"case {state.case_no} was acted on at two centers at once; the rule order kept "
            "both facts, check the case",
            f"办件 {state.case_no} 在两个中心被同时操作，系统已按规则保留双方记录，请核对",
        )
        alerts += 1
    return True, alerts


def _writer_of_last(conn: sqlite3.Connection, case_id: str, head: str | None) -> str:
    """The center that recorded the case's last applied event (who handed it on)."""
    centers = {event.event_id: center for event, center in case_events(conn, case_id)}
    return centers.get(head or "", "")


def _setting(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else "0"
