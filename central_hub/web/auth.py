"""Provides sign-in plumbing: the session secret, the session's user, CSRF, known browsers,
form reading, headers.

The session cookie is signed with a secret the hub generates once and keeps in its home
(keys/dashboard-secret, 0600). It carries a random session id and the CSRF token; the session
itself is a row in the hub's store (sessions.py), read on every request with the account, so
sign-out, a password change, a disabled account or "sign out everywhere" ends it at once,
whatever copy of the cookie anyone kept.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import BadQuery, CsrfRefused, NotSignedIn
from .sessions import SESSION_LIFETIME, SessionStore
from .users import User, find_user

__all__ = [
    "SESSION_MAX_AGE",
    "KnownBrowsers",
    "SecurityHeaders",
    "check_csrf",
    "csrf_token",
    "end_session",
    "load_secret",
    "read_form",
    "signed_in_user",
    "start_session",
]

SECRET_FILE = "keys/dashboard-secret"
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())
"""The cookie's lifetime: the server-side session's (sessions.py)."""
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


def signed_in_user(request: Request, sessions: SessionStore) -> User:
    """The enabled account of the request's live session.

    Raises:
        NotSignedIn: no session, or one that was ended or has expired, or its account is gone
            or disabled (the cookie is cleared).
    """
    session_id = request.session.get("sid")
    if not session_id:
        request.session.clear()  # a cookie from before sessions were kept on the server
        raise NotSignedIn("not signed in", message_zh="请先登录")
    username = sessions.username_of(str(session_id))
    if username is None:
        request.session.clear()
        raise NotSignedIn(
            "session ended or expired", message_zh="登录已失效（已退出或超时），请重新登录"
        )
    user = find_user(sessions.engine, username)
    if user is None or user.disabled:
        request.session.clear()
        raise NotSignedIn("account disabled", message_zh="账号已停用，请联系管理员")
    return user


def start_session(request: Request, user: User, sessions: SessionStore) -> None:
    """A fresh session for a person who just signed in, with a fresh CSRF token."""
    request.session.clear()
    request.session["sid"] = sessions.open(user.username)
    request.session["csrf"] = secrets.token_urlsafe(24)


def end_session(request: Request, sessions: SessionStore) -> None:
    """Ends this browser's session on the server and clears its cookie."""
    session_id = request.session.get("sid")
    if session_id:
        sessions.end(str(session_id))
    request.session.clear()


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


class KnownBrowsers:
    """A signed cookie naming the accounts that signed in from this browser before.

    Sign-in throttling by name (throttle.py) does not hold back such a browser, so someone
    guessing a name elsewhere cannot keep its owner out. The cookie is no session: it opens
    nothing, and forging one needs the hub's secret.
    """

    COOKIE = "hub_dashboard_browser"
    MAX_AGE = 180 * 24 * 3600
    MAX_NAMES = 8

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="dashboard-known-browser")

    def names(self, request: Request) -> list[str]:
        raw = request.cookies.get(self.COOKIE, "")
        if not raw:
            return []
        try:
            names = self._serializer.loads(raw, max_age=self.MAX_AGE)
        except BadSignature:
            return []
        return [str(n) for n in names] if isinstance(names, list) else []

    def remember(self, request: Request, response: Response, username: str) -> None:
        names = [username, *(n for n in self.names(request) if n != username)]
        response.set_cookie(
            self.COOKIE,
            self._serializer.dumps(names[: self.MAX_NAMES]),
            max_age=self.MAX_AGE,
            path=str(request.scope.get("root_path", "")) or "/",
            httponly=True,
            samesite="lax",
        )


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
