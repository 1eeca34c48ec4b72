"""Provides the sign-in and sign-out pages.

Both forms carry a CSRF token (the sign-in form too, so no other site can sign a person into an
account of its choosing). Failures are counted per account name and per address; the message
never says which of name or password was wrong.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..home import HubHome
from .auth import SignInThrottle, check_csrf, read_form, start_session
from .errors import SignInRefused
from .render import Renderer, root_of
from .users import authenticate, find_user

__all__ = ["SignIn", "login_redirect"]

_MAX_FAILURES_PER_NAME = 5
# Higher per address: a county office's PCs share one address behind its router.
_MAX_FAILURES_PER_ADDRESS = 30


class SignIn:
    def __init__(self, home: HubHome, renderer: Renderer) -> None:
        self.home = home
        self.renderer = renderer
        self.by_name = SignInThrottle(max_failures=_MAX_FAILURES_PER_NAME)
        self.by_address = SignInThrottle(max_failures=_MAX_FAILURES_PER_ADDRESS)

    def form(self, request: Request) -> Response:
        username = request.session.get("user")
        if username and (user := find_user(self.home.engine, str(username))) and not user.disabled:
            return RedirectResponse(_next_page(request, request.query_params.get("next")), 303)
        return self._form(request, error="", status=200)

    def _form(self, request: Request, *, error: str, status: int, username: str = "") -> Response:
        return self.renderer.page(
            request,
            "login.html",
            {
                "title": "登录",
                "error": error,
                "username": username,
                "next": _next_page(request, request.query_params.get("next")),
            },
            hub=self.home.config,
            user=None,
            status=status,
        )

    async def submit(self, request: Request) -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        username = form.get("username", "").strip().lower()
        address = request.client.host if request.client else "unknown"
        try:
            self.by_name.check(username)
            self.by_address.check(address)
            user = await run_in_threadpool(
                authenticate, self.home.engine, username, form.get("password", "")
            )
            if user is None:
                self.by_name.failed(username)
                self.by_address.failed(address)
                raise SignInRefused(
                    f"wrong username or password for {username!r}",
                    message_zh="用户名或密码不正确（或账号已停用）",
                )
        except SignInRefused as exc:
            return self._form(
                request, error=exc.message_zh, status=exc.http_status, username=username
            )
        self.by_name.succeeded(username)
        start_session(request, user)
        return RedirectResponse(_next_page(request, form.get("next")), 303)

    async def sign_out(self, request: Request) -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        request.session.clear()
        return RedirectResponse(f"{root_of(request)}/login", 303)


def _next_page(request: Request, wanted: str | None) -> str:
    """Where to go after signing in: a dashboard path only, never another site."""
    root = root_of(request)
    home = f"{root}/"
    if not wanted or wanted.startswith("//") or "\\" in wanted or "://" in wanted:
        return home
    return wanted if wanted.startswith(home) else home


def login_redirect(request: Request) -> Response:
    """Where a request without a session goes: the sign-in page, then back to what it asked."""
    path = request.url.path
    if request.url.query:
        path += f"?{request.url.query}"
    return RedirectResponse(f"{root_of(request)}/login?{urlencode({'next': path})}", 303)
