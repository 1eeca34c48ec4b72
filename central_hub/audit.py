"""Provides the audit log: who did what to which node or account and why, and how each row
reads in Chinese.

The `action` column keeps a short English phrase, built only by the functions below: it is
what `central-hub audit` prints and what every row written by an earlier version holds. The
dashboard shows `action_zh(action)`, parsed back from the same phrases, so old rows read in
Chinese too and nothing had to be migrated. A phrase this module does not know is shown as
stored. Reasons are typed by people (in Chinese); the few the hub writes itself are mapped the
same way by `reason_zh`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from sync_protocol import format_timestamp

from .home import HubHome
from .store import metadata
from .tables import Column, Table

__all__ = [
    "REVOKE_ACTION",
    "SIGN_IN_ACTOR",
    "SIGN_IN_REASON",
    "accept_gap_action",
    "action_zh",
    "actor_zh",
    "audit_log",
    "audit_table",
    "reason_zh",
    "record_audit",
    "resend_action",
    "sign_in_slowed_action",
]

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    # "" for an event about an account (sign-in throttling), not about a node.
    sa.Column("node_id", sa.String, nullable=False),
    # Whose audit it is: a center's code, or for an account the county it is bound to (the
    # hub's own code for the whole prefecture or an unknown name), so the scope rule applies.
    sa.Column("center_code", sa.String, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

REVOKE_ACTION = "revoke"
SIGN_IN_ACTOR = "sign-in"
"""The actor of events the sign-in form records by itself."""
SIGN_IN_REASON = "repeated wrong passwords"


def resend_action(from_batch_seq: int) -> str:
    return f"resend from batch {from_batch_seq}"


def accept_gap_action(first: int, last: int) -> str:
    return f"accept gap: batches {first}..{last}"


def sign_in_slowed_action(kind: str, key: str, *, failures: int, seconds: int) -> str:
    """Sign-in refused for `seconds` to a name ("name") or an address ("address")."""
    return f"sign-in slowed: {kind} {key} after {failures} failures, {seconds} s"


# (phrase as stored, its Chinese): every phrase any version of the hub wrote.
_ACTIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"resend from batch (\d+)"), lambda m: f"要求从第 {m[1]} 批起重发"),
    (
        re.compile(r"accept gap: batches (\d+)\.\.(\d+)"),
        lambda m: f"确认缺号，放弃第 {m[1]}–{m[2]} 批",
    ),
    (re.compile(REVOKE_ACTION), lambda _m: "吊销终端密钥"),
    (re.compile(r"replace by (\S+)"), lambda m: f"由新终端 {m[1]} 接替（电脑从备份恢复）"),
    (
        re.compile(r"sign-in slowed: (name|address) (\S+) after (\d+) failures, (\d+) s"),
        lambda m: (
            f"登录限速：{'账号' if m[1] == 'name' else '地址'} {m[2]} 连续 {m[3]} 次密码错误，"
            f"{m[4]} 秒内不再受理其登录"
        ),
    ),
)

_REASONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"PC restored from a backup; the new node continues this node's sequence"),
        lambda _m: "电脑从备份恢复，新终端接续本终端的批次序号",
    ),
    (
        re.compile(r"county (\d+) re-enrolled a restored PC"),
        lambda m: f"{m[1]} 为恢复的电脑重新注册",
    ),
    (re.compile(re.escape(SIGN_IN_REASON)), lambda _m: "多次输入错误密码"),
)

_ACTORS = {"enrollment": "终端注册", SIGN_IN_ACTOR: "登录防护"}


def _translated(text: str, phrases: tuple[tuple[re.Pattern[str], Callable[..., str]], ...]) -> str:
    for pattern, chinese in phrases:
        if found := pattern.fullmatch(text):
            return chinese(found)
    return text


def action_zh(action: str) -> str:
    """The Chinese of a stored action phrase; an unknown phrase unchanged."""
    return _translated(action, _ACTIONS)


def reason_zh(reason: str) -> str:
    """The Chinese of a reason the hub wrote itself; a person's reason unchanged."""
    return _translated(reason, _REASONS)


def actor_zh(actor: str) -> str:
    """A person's name unchanged; the hub's own parts (enrollment, sign-in) in Chinese."""
    return _ACTORS.get(actor, actor)


def record_audit(
    conn: sa.Connection,
    *,
    actor: str,
    action: str,
    node_id: str,
    center_code: str,
    reason: str,
    at: datetime | None = None,
) -> None:
    """One row of the audit log, in the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=format_timestamp(at or datetime.now(UTC)),
            actor=actor,
            action=action,
            node_id=node_id,
            center_code=center_code,
            reason=reason,
        )
    )


def audit_table(home: HubHome, *, county: str | None = None, chinese: bool = False) -> Table:
    """Every audited action, newest first, with who and why.

    Args:
        county: only rows of that county (None: all).
        chinese: actions, actors and the hub's own reasons as the dashboard shows them;
            else as stored (the command line's English).
    """
    query = sa.select(audit_log).order_by(audit_log.c.id.desc())
    if county:
        query = query.where(audit_log.c.center_code.startswith(county))
    with home.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    if chinese:
        for row in rows:
            row["actor"] = actor_zh(row["actor"])
            row["action"] = action_zh(row["action"])
            row["reason"] = reason_zh(row["reason"])
    return Table(
        "audit_log",
        "操作审计",
        "Audit log",
        (
            Column("at", "时间", "At", "datetime"),
            Column("actor", "操作人", "Actor"),
            Column("action", "操作", "Action"),
            Column("center_code", "中心代码", "Center"),
            Column("node_id", "节点", "Node"),
            Column("reason", "理由", "Reason"),
        ),
        rows,
    )
