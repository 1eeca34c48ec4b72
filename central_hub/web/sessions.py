"""Provides the dashboard's server-side sessions: one row per signed-in browser, so the hub can
end a session whatever copy of its cookie someone kept.

The cookie carries a random session id; the store keeps only its SHA-256, so reading the
store (a backup, a stolen disk) gives no one a session. A request is signed in while its row
exists, has not expired and its account is enabled. Sign-out deletes the row; a password
change, `central-hub user disable` and "sign out everywhere" delete every row of the account.
The table is defined on the store's `metadata`, so the hub's `create_all` makes it in a new
home and in every home made before it existed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sync_protocol import format_timestamp

from ..store import metadata

__all__ = [
    "SESSION_LIFETIME",
    "SessionStore",
    "end_sessions_of",
    "ensure_sessions_table",
    "sessions",
]

SESSION_LIFETIME = timedelta(hours=12)
"""A session lasts one working day from sign-in; then the person signs in again."""

sessions = sa.Table(
    "dashboard_sessions",
    metadata,
    sa.Column("session_key", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(32), nullable=False, index=True),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("expires_at", sa.String, nullable=False),
)


def ensure_sessions_table(engine: sa.Engine) -> None:
    sessions.create(engine, checkfirst=True)


def end_sessions_of(engine: sa.Engine, username: str) -> int:
    """Ends every session of an account; returns how many were open."""
    with engine.begin() as conn:
        return conn.execute(sessions.delete().where(sessions.c.username == username)).rowcount


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", errors="replace")).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SessionStore:
    """Opens, reads and ends sessions in one hub's store, on an injectable clock."""

    engine: sa.Engine
    clock: Callable[[], datetime] = field(default=_utc_now)
    lifetime: timedelta = SESSION_LIFETIME

    def open(self, username: str) -> str:
        """A new session for `username`; returns its id (for the cookie). Expired rows of
        every account are swept out on the way, so the table holds only live sessions."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at <= format_timestamp(now)))
            conn.execute(
                sessions.insert().values(
                    session_key=_key(session_id),
                    username=username,
                    created_at=format_timestamp(now),
                    expires_at=format_timestamp(now + self.lifetime),
                )
            )
        return session_id

    def username_of(self, session_id: str) -> str | None:
        """The account of a live session, or None (unknown, ended or expired)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(sessions.c.username).where(
                    sessions.c.session_key == _key(session_id),
                    sessions.c.expires_at > format_timestamp(self.clock()),
                )
            ).first()
        return None if row is None else str(row.username)

    def end(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.session_key == _key(session_id)))

    def end_all(self, username: str) -> int:
        return end_sessions_of(self.engine, username)
