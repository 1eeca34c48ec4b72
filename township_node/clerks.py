"""Provides clerk accounts: who signs in at the window, with PINs kept only as argon2 hashes.

Every event names the clerk who recorded it, so each clerk signs in with their own PIN. The
admin (clerk id ``admin``, the id the CLI records by default) adds and disables clerks. A PIN
is short, so hashing alone cannot protect it: after a few wrong tries the account waits.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sync_protocol import format_timestamp

from .errors import InvalidInput
from .home import NodeHome

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = ["ADMIN_ID", "Clerk", "ClerkBook"]

ADMIN_ID = "admin"
MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
_CLERK_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_COLUMNS = "clerk_id, name, role, active"


@dataclass(frozen=True, slots=True)
class Clerk:
    """A clerk account (never its PIN)."""

    clerk_id: str
    name: str
    role: str
    """``admin`` or ``clerk``."""
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _hasher() -> PasswordHasher:
    # Imported here: the first screen must not wait for it. OWASP's minimum argon2id profile
    # (19 MiB, 2 passes) keeps a sign-in near 30 ms and peak memory low on an old PC.
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_pin(pin: str) -> str:
    return _hasher().hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    from argon2.exceptions import VerificationError

    try:
        return _hasher().verify(pin_hash, pin)
    except VerificationError:
        return False


class ClerkBook:
    """Reads and changes the clerk accounts of one node.

    Args:
        home: the opened node home.
        clock: returns the current aware time (tests pass a fixed one).
    """

    def __init__(
        self, home: NodeHome, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._home = home
        self._clock = clock

    def needs_admin(self) -> bool:
        """True on first run, before anyone has set the admin PIN."""
        row = self._home.conn.execute(
            "SELECT 1 FROM clerks WHERE role = 'admin' AND active = 1 LIMIT 1"
        ).fetchone()
        return row is None

    def create_admin(self, pin: str, *, name: str = "管理员") -> Clerk:
        """Sets the admin PIN on first run.

        Raises:
            InvalidInput: an admin exists already, or the PIN is not 6–12 digits.
        """
        if not self.needs_admin():
            raise InvalidInput(
                "the admin PIN is already set", message_zh="管理员密码已设置", field="pin"
            )
        _check_pin(pin, minimum=6)
        return self._insert(ADMIN_ID, name, "admin", pin)

    def add(self, clerk_id: str, name: str, pin: str, *, authorized_by: Clerk) -> Clerk:
        """Adds a window clerk; only an admin may.

        Raises:
            InvalidInput: not an admin, a bad or taken clerk id, an empty name, a bad PIN.
        """
        _require_admin(authorized_by)
        if not _CLERK_ID.fullmatch(clerk_id):
            raise InvalidInput(
                f"clerk id {clerk_id!r} must be 1-32 letters, digits, '_', '.' or '-'",
                message_zh="工号只能由1至32位字母、数字、下划线、点或连字符组成",
                field="clerk_id",
            )
        if not name.strip():
            raise InvalidInput("a clerk needs a name", message_zh="请填写姓名", field="name")
        _check_pin(pin, minimum=4)
        if self._row(clerk_id) is not None:
            raise InvalidInput(
                f"clerk id {clerk_id!r} is taken", message_zh="该工号已被使用", field="clerk_id"
            )
        return self._insert(clerk_id, name.strip(), "clerk", pin)

    def set_active(self, clerk_id: str, active: bool, *, authorized_by: Clerk) -> Clerk:
        """Disables (or re-enables) a clerk; their past events keep their name.

        Raises:
            InvalidInput: not an admin, no such clerk, or the admin disabling itself.
        """
        _require_admin(authorized_by)
        if clerk_id == ADMIN_ID:
            raise InvalidInput(
                "the admin account cannot be disabled",
                message_zh="管理员账号不能停用",
                field="clerk_id",
            )
        if self._row(clerk_id) is None:
            raise _unknown(clerk_id)
        with self._home.database.transaction() as conn:
            conn.execute(
                "UPDATE clerks SET active = ?, updated_at = ? WHERE clerk_id = ?",
                (int(active), self._now(), clerk_id),
            )
        return self.get(clerk_id)

    def get(self, clerk_id: str) -> Clerk:
        row = self._home.conn.execute(
            f"SELECT {_COLUMNS} FROM clerks WHERE clerk_id = ?", (clerk_id,)
        ).fetchone()
        if row is None:
            raise _unknown(clerk_id)
        return _clerk(row)

    def list(self, *, include_disabled: bool = False) -> list[Clerk]:
        """Clerks by id, the admin first."""
        where = "" if include_disabled else "WHERE active = 1"
        rows = self._home.conn.execute(
            f"SELECT {_COLUMNS} FROM clerks {where} ORDER BY role = 'clerk', clerk_id"
        )
        return [_clerk(row) for row in rows]

    def sign_in(self, clerk_id: str, pin: str) -> Clerk:
        """Checks a clerk's PIN.

        Raises:
            InvalidInput: unknown or disabled clerk, wrong PIN, or too many wrong tries
                (field ``pin`` or ``clerk_id``; the message says how long to wait).
        """
        row = self._row(clerk_id)
        if row is None or not row["active"]:
            raise _unknown(clerk_id)
        self._check_not_locked(row)
        if not pin_matches(row["pin_hash"], pin):
            self._count_failure(clerk_id, int(row["failed_attempts"]) + 1)
            raise InvalidInput("wrong PIN", message_zh="密码不正确", field="pin")
        if row["failed_attempts"]:
            with self._home.database.transaction() as conn:
                conn.execute(
                    "UPDATE clerks SET failed_attempts = 0, locked_until = NULL WHERE clerk_id = ?",
                    (clerk_id,),
                )
        return _clerk((row["clerk_id"], row["name"], row["role"], row["active"]))

    def _check_not_locked(self, row: sqlite3.Row) -> None:
        until = row["locked_until"]
        if until and until > self._now():
            raise InvalidInput(
                f"too many wrong PINs; try again after {until}",
                message_zh="密码错误次数过多，请5分钟后再试或联系管理员",
                field="pin",
            )

    def _count_failure(self, clerk_id: str, failures: int) -> None:
        locked = format_timestamp(self._clock() + LOCKOUT) if failures >= MAX_ATTEMPTS else None
        with self._home.database.transaction() as conn:
            conn.execute(
                "UPDATE clerks SET failed_attempts = ?, locked_until = ? WHERE clerk_id = ?",
                (0 if locked else failures, locked, clerk_id),
            )

    def _insert(self, clerk_id: str, name: str, role: str, pin: str) -> Clerk:
        now = self._now()
        pin_hash = hash_pin(pin)
        with self._home.database.transaction() as conn:
            conn.execute(
                "INSERT INTO clerks (clerk_id, name, role, pin_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (clerk_id, name, role, pin_hash, now, now),
            )
        return Clerk(clerk_id, name, role)

    def _row(self, clerk_id: str) -> sqlite3.Row | None:
        cursor = self._home.conn.execute("SELECT * FROM clerks WHERE clerk_id = ?", (clerk_id,))
        cursor.row_factory = sqlite3.Row
        row: sqlite3.Row | None = cursor.fetchone()
        return row

    def _now(self) -> str:
        return format_timestamp(self._clock())


def _clerk(row: tuple[object, ...] | sqlite3.Row) -> Clerk:
    clerk_id, name, role, active = tuple(row)
    return Clerk(str(clerk_id), str(name), str(role), bool(active))


def _check_pin(pin: str, *, minimum: int) -> None:
    if not (pin.isdigit() and pin.isascii() and minimum <= len(pin) <= 12):
        raise InvalidInput(
            f"a PIN is {minimum} to 12 digits",
            message_zh=f"密码应为{minimum}至12位数字",
            field="pin",
        )


def _require_admin(clerk: Clerk) -> None:
    if not clerk.is_admin:
        raise InvalidInput(
            "only the admin may change clerk accounts",
            message_zh="只有管理员可以添加或停用窗口人员",
            field="admin_pin",
        )


def _unknown(clerk_id: str) -> InvalidInput:
    return InvalidInput(
        f"no active clerk {clerk_id!r}",
        message_zh=f"没有在用的工号“{clerk_id}”",
        field="clerk_id",
    )
