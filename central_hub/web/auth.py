"""Provides sign-in plumbing: the session secret, the session's user, CSRF, throttling, headers.

The session is a cookie signed with a secret the hub generates once and keeps in its home
(keys/dashboard-secret, 0600), so sessions survive a restart and no one can mint one without
the file. The cookie only names the user: the account is read again on every request, so a
disabled account is locked out at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl

import sqlalchemy as sa
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import BadQuery, CsrfRefused, NotSignedIn, TooManyAttempts
from .users import User, find_user

__all__ = [
    "SESSION_MAX_AGE",
    "SecurityHeaders",
    "SignInThrottle",
    "check_csrf",
    "csrf_token",
    "load_secret",
    "read_form",
    "signed_in_user",
    "start_session",
]

SECRET_FILE = "keys/dashboard-secret"
SESSION_MAX_AGE = 12 * 3600
"""A session lasts one working day from sign-in; then the person signs in again."""
MAX_FORM_BYTES = 64 * 1024


def load_secret(home_path: Path) -> str:
    """The hub's session secret, created on first use with mode 0600."""
    path = home_path / SECRET_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    return path.read_text(encoding="ascii").strip()


def signed_in_user(request: Request, engine: sa.Engine) -> User:
    """The enabled account named by the session.

    Raises:
        NotSignedIn: no session, or its account is gone or disabled (the session is cleared).
    """
    username = request.session.get("user")
    if not username:
        raise NotSignedIn("not signed in", message_zh="请先登录")
    user = find_user(engine, str(username))
    if user is None or user.disabled:
        request.session.clear()
        raise NotSignedIn("account disabled", message_zh="账号已停用，请联系管理员")
    return user


def start_session(request: Request, user: User) -> None:
    """A fresh session for a person who just signed in, with a fresh CSRF token."""
    request.session.clear()
    request.session["user"] = user.username
    request.session["csrf"] = secrets.token_urlsafe(24)


def csrf_token(request: Request) -> str:
    """This session's CSRF token (a signed-out visitor gets one for the sign-in form)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def check_csrf(request: Request, form: dict[str, str]) -> None:
    """Raises CsrfRefused unless the form carries this session's token."""
    expected = str(request.session.get("csrf", ""))
    given = form.get("csrf", "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused(
            "form without this session's CSRF token",
            message_zh="表单已过期或来源不明，请刷新页面后重试",
        )


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form (the only kind our pages post), size-limited; last value wins."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise BadQuery("expected a form post", message_zh="请求格式不对")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadQuery("form too large", message_zh="提交的内容过多")
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


@dataclass
class SignInThrottle:
    """Refuses sign-in for a name or an address after too many failures in a window.

    Kept in the hub process: a restart forgives, which is acceptable for a LAN service whose
    passwords are argon2id-hashed (each guess costs the attacker a hash either way).
    """

    max_failures: int = 5
    window_seconds: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)

    def check(self, *keys: str) -> None:
        """Raises TooManyAttempts while any key (a name, an address) is locked out."""
        now = self.clock()
        for key in keys:
            recent = [t for t in self._failures.get(key, []) if now - t < self.window_seconds]
            self._failures[key] = recent
            if len(recent) >= self.max_failures:
                minutes = max(1, round((self.window_seconds - (now - recent[0])) / 60))
                raise TooManyAttempts(
                    f"too many failed sign-ins for {key!r}",
                    message_zh=f"登录失败次数过多，请 {minutes} 分钟后再试",
                )

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._failures.setdefault(key, []).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)


class SecurityHeaders:
    """Adds headers to every dashboard response: no scripts, no framing, no caching.

    The pages use no JavaScript, so the policy forbids all of it; pages hold personal data, so
    nothing is cached; nothing is fetched from anywhere but the hub itself.
    """

    _HEADERS: ClassVar[dict[str, str]] = {
        "content-security-policy": (
            "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cache-control": "no-store",
    }

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # The stylesheet and icon may be cached: county links are slow, and they hold no data.
        static = "/static/" in scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if static:
                    headers["cache-control"] = "private, max-age=3600"
            await send(message)

        await self.app(scope, receive, send_with_headers)
