"""Provides the dashboard's accounts: who may sign in, with which role, for which county.

Passwords are kept only as argon2id hashes. The table is defined on the store's `metadata`,
so the hub's `create_all` makes it; `ensure_users_table` also creates it on a store opened
before this module was imported (an older hub home).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

import casework
from sync_protocol import format_timestamp

from ..store import metadata
from .errors import UserAdminError
from .sessions import end_sessions_of, ensure_sessions_table

__all__ = [
    "ROLES",
    "ROLE_LABELS",
    "User",
    "add_user",
    "authenticate",
    "disable_user",
    "ensure_users_table",
    "find_user",
    "list_users",
    "password_matches",
    "set_password",
    "users",
]

ROLE_LABELS = {
    "prefecture": "州级审阅",
    "county_admin": "县级管理员",
    "viewer": "只读",
}
ROLES = tuple(ROLE_LABELS)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
"""Longer is refused, not hashed: a megabyte "password" would only cost the hub time."""
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")

users = sa.Table(
    "dashboard_users",
    metadata,
    sa.Column("username", sa.String(32), primary_key=True),
    sa.Column("display_name", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    # A county code for county admins and county viewers; NULL means the whole prefecture.
    sa.Column("county_code", sa.String(6)),
    sa.Column("password_hash", sa.String, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("last_sign_in_at", sa.String),
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong
    password. Made on first use: hashing costs a noticeable fraction of a second."""
    return _hasher.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class User:
    """A dashboard account as the pages need it (never the hash)."""

    username: str
    display_name: str
    role: str
    county_code: str | None
    """The county the account is bound to; None for the whole prefecture."""
    disabled: bool = False

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def ensure_users_table(engine: sa.Engine) -> None:
    users.create(engine, checkfirst=True)
    ensure_sessions_table(engine)


def add_user(
    engine: sa.Engine,
    username: str,
    *,
    role: str,
    password: str,
    county_code: str | None = None,
    display_name: str = "",
    hub_tier: str = "prefecture",
    hub_org_code: str = casework.PREFECTURE_CODE,
) -> User:
    """Creates an account after checking name, role, county and password.

    Raises:
        UserAdminError: a bad or taken name, an unknown role, a county that is missing,
            unknown, or outside this hub's area, or a short password.
    """
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise UserAdminError(
            f"username {username!r} must be 2-32 lowercase letters, digits, '.', '_' or '-'",
            message_zh="用户名须为 2-32 位小写字母、数字或 . _ -",
        )
    county = _checked_county(role, county_code, hub_tier=hub_tier, hub_org_code=hub_org_code)
    _check_new_password(password)
    user = User(username, display_name.strip() or username, role, county)
    with engine.begin() as conn:
        if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first():
            raise UserAdminError(f"user {username!r} already exists", message_zh="用户名已存在")
        conn.execute(
            users.insert().values(
                username=username,
                display_name=user.display_name,
                role=role,
                county_code=county,
                password_hash=_hasher.hash(password),
                disabled=False,
                created_at=_now(),
            )
        )
    return user


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserAdminError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            message_zh=f"密码至少 {MIN_PASSWORD_LENGTH} 位",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserAdminError(
            f"password must have at most {MAX_PASSWORD_LENGTH} characters",
            message_zh=f"密码最多 {MAX_PASSWORD_LENGTH} 位",
        )
    if any(ord(c) < 32 or ord(c) == 0x7F for c in password):
        raise UserAdminError(
            "password must not hold control characters (a line break, a tab, a NUL …)",
            message_zh="密码中不能有换行、制表符等控制字符",
        )


def _checked_county(
    role: str, county_code: str | None, *, hub_tier: str, hub_org_code: str
) -> str | None:
    if role not in ROLES:
        raise UserAdminError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    code = (county_code or "").strip()
    if code == casework.PREFECTURE_CODE:
        code = ""  # a viewer "of 513400" sees the whole prefecture
    if role == "county_admin" and not code:
        raise UserAdminError("a county admin needs --county CODE (e.g. 513431)")
    if role == "prefecture" and code:
        raise UserAdminError("a prefecture reviewer sees every county; leave out --county")
    if not code:
        return None
    try:
        found = casework.org(code)
    except casework.UnknownOrg as exc:
        raise UserAdminError(f"county {code!r} is not in the Liangshan org tree") from exc
    if found.level != "county":
        raise UserAdminError(f"{code} ({found.name}) is not a county-level code")
    if hub_tier == "county" and code != hub_org_code:
        raise UserAdminError(f"this hub serves county {hub_org_code}, not {code}")
    return code


def list_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users).order_by(users.c.username)).all()
    return [_user(row) for row in rows]


def find_user(engine: sa.Engine, username: str) -> User | None:
    """The account, or None when it does not exist (a disabled one is returned, marked)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def disable_user(engine: sa.Engine, username: str) -> User:
    """Disables an account and ends its sessions: a browser signed in as it is signed out at
    its next request.

    Raises:
        UserAdminError: no such user.
    """
    with engine.begin() as conn:
        done = conn.execute(
            users.update().where(users.c.username == username).values(disabled=True)
        )
        if done.rowcount != 1:
            raise UserAdminError(f"no user {username!r}", message_zh="没有这个用户")
    end_sessions_of(engine, username)
    found = find_user(engine, username)
    assert found is not None
    return found


def set_password(engine: sa.Engine, username: str, password: str) -> User:
    """Gives an account a new password and ends every session of it (whoever knew the old
    password may have signed in with it).

    Raises:
        UserAdminError: no such user, or a password too short, too long or with control
            characters.
    """
    _check_new_password(password)
    with engine.begin() as conn:
        done = conn.execute(
            users.update()
            .where(users.c.username == username)
            .values(password_hash=_hasher.hash(password))
        )
        if done.rowcount != 1:
            raise UserAdminError(f"no user {username!r}", message_zh="没有这个用户")
    end_sessions_of(engine, username)
    found = find_user(engine, username)
    assert found is not None
    return found


def password_matches(engine: sa.Engine, username: str, password: str) -> bool:
    """Whether `password` is the account's (for a change of password; no sign-in recorded)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _verified(row.password_hash if row else _dummy_hash(), password) and row is not None


def authenticate(engine: sa.Engine, username: str, password: str) -> User | None:
    """The account when the name and password match an enabled account, else None."""
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username) or len(password) > MAX_PASSWORD_LENGTH:
        _verified(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])  # costs what a real check does
        return None
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if not _verified(row.password_hash if row else _dummy_hash(), password):
        return None
    if row is None or row.disabled:
        return None
    with engine.begin() as conn:
        values: dict[str, object] = {"last_sign_in_at": _now()}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(users.update().where(users.c.username == username).values(**values))
    return _user(row)


def _verified(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _user(row: sa.Row[tuple[object, ...]]) -> User:
    return User(row.username, row.display_name, row.role, row.county_code, bool(row.disabled))


def _now() -> str:
    return format_timestamp(datetime.now(UTC))
