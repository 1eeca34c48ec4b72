"""Provides the link to the county hub as the window shows it: its state, and one sync run.

The state is read from what the node already records (the outbox and the sync log), so it is
right after a restart too. A sync run opens its own connection to the node home, because it
runs in a worker thread beside the window; httpx is imported there, never on the way to the
first screen.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import NodeError, SyncFailed
from ..home import NodeHome, open_home
from .outbox import Outbox

__all__ = [
    "LinkState",
    "SyncOutcome",
    "plain_error",
    "read_link_state",
    "run_sync",
    "sync_due",
    "usb_available",
]

# What a clerk can do about each failure, in plain words (sync_log keeps the protocol code).
_PLAIN = {
    "hub_unreachable": (
        "连不上县级中心（网络断开或中心未开机）。办件已保存在本机，联网后会自动发送。"
    ),
    "transport_error": "网络传输中断。办件已保存在本机，稍后会自动重试。",
    "hub_rejected": "县级中心拒收了数据，请联系县级管理员。",
    "unknown_node": "县级中心不认识本机，请联系县级管理员重新注册。",
    "revoked_node": "本机已被县级中心停用，请联系县级管理员。",
    "bad_signature": "数据签名校验失败，请联系县级管理员。",
    "broken_chain": "数据链不连续，请联系县级管理员核对。",
    "conflicting_batch": "同一批次内容与县级中心记录不一致，请联系县级管理员。",
    "wrong_recipient": "数据发给了错误的中心，请联系县级管理员核对注册信息。",
    "unsupported_version": "软件版本与县级中心不兼容，请升级本机软件。",
    "node_too_old": (
        "本机软件版本过低，县级中心暂不接收。办件都保存在本机，不会丢失；"
        "请向县级管理员要新的安装包升级，升级后会自动补发。"
    ),
    "malformed_input": "县级中心返回的数据无法识别，请联系县级管理员。",
}
NOT_ENROLLED = "本机尚未注册到县级中心，请联系县级管理员获取注册码。"


@dataclass(frozen=True, slots=True)
class LinkState:
    """What the window says about the link to the county hub."""

    enrolled: bool
    online: bool | None
    """True after a sync that reached the hub, False after one that did not, None before any."""
    hub_url: str = ""
    waiting_events: int = 0
    last_receipt_at: str = ""
    last_sync_at: str = ""
    last_outcome: str = ""
    last_error: str = ""
    """The last failure in plain Chinese, empty once a later sync succeeded."""


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """The result of one sync run, posted back to the window."""

    ok: bool
    events_sent: int = 0
    catalogs_taken: tuple[str, ...] = ()
    events_received: int = 0
    """Events other centers recorded on this center's cross-level cases (the feed)."""
    message_zh: str = ""
    detail: str = field(default="", repr=False)


def read_link_state(home: NodeHome) -> LinkState:
    """The link as the outbox and the last sync log entry describe it."""
    status = Outbox(home).status()
    last = home.conn.execute(
        "SELECT at, outcome, detail FROM sync_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    at, outcome, _detail = last if last else ("", "", "")
    return LinkState(
        enrolled=bool(home.setting("hub_info")),
        online=None if not last else outcome != "failed",
        hub_url=home.setting("hub_url"),
        waiting_events=status.unbatched_events + status.unacknowledged_events,
        last_receipt_at=status.last_receipt_at,
        last_sync_at=at,
        last_outcome=outcome,
        last_error=_last_error(home),
    )


def _last_error(home: NodeHome) -> str:
    """The schedule's words for the last failure, or the sync log's, "" after a success."""
    from .schedule import load_state

    state = load_state(home)
    if state.last_error_zh or state.last_error:
        return state.last_error_zh or plain_error(state.last_error)
    failure = home.conn.execute(
        "SELECT detail FROM sync_log WHERE outcome != 'ok' AND id > coalesce("
        "(SELECT max(id) FROM sync_log WHERE outcome = 'ok'), 0) ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return plain_error(failure[0]) if failure else ""


def sync_due(home: NodeHome) -> bool:
    """Whether the schedule (backing off after failures) wants a round now."""
    from .schedule import is_due, load_state

    return bool(home.setting("hub_info")) and is_due(load_state(home), datetime.now(UTC))


def plain_error(detail: str) -> str:
    """Turns a sync log detail ("hub_unreachable: …") into what the clerk should know."""
    code = detail.split(":", 1)[0].strip()
    return _PLAIN.get(code, f"同步失败：{detail}")


def run_sync(home_path: Path, *, interval: timedelta) -> SyncOutcome:
    """One sync round with the enrolled hub, on a connection of its own, recorded in the
    node's schedule (the next round after `interval`, or later after a failure).

    Never raises for a failed link: the outcome says what happened, in plain words.
    """
    from .schedule import run_round  # here, not at import: the network stack is slow to load

    with open_home(home_path) as home:
        if not home.setting("hub_info"):
            return SyncOutcome(False, message_zh=NOT_ENROLLED)
        try:
            report = run_round(home, interval=interval)
        except SyncFailed as exc:
            return SyncOutcome(False, message_zh=_last_plain(home) or exc.message_zh)
        except NodeError as exc:
            return SyncOutcome(False, message_zh=exc.message_zh)
    return SyncOutcome(
        True, report.events_sent, report.catalog_versions, events_received=report.feed.events
    )


def _last_plain(home: NodeHome) -> str:
    row = home.conn.execute("SELECT detail FROM sync_log ORDER BY id DESC LIMIT 1").fetchone()
    return plain_error(row[0]) if row else ""


def usb_available() -> bool:
    """Whether this build has USB export/import (township_node.sync.usb)."""
    return importlib.util.find_spec("township_node.sync.usb") is not None
