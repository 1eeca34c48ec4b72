"""Provides the sign-in and sign-out pages.

Both forms carry a CSRF token (the sign-in form too, so no other site can sign a person into an
account of its choosing). Wrong passwords slow down their address and name (throttle.py), never
lock an account, and every slow-down is written to the audit log; the message never says which
of name or password was wrong.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..audit import SIGN_IN_ACTOR, SIGN_IN_REASON, record_audit, sign_in_slowed_action
from ..home import HubHome
from .auth import KnownBrowsers, check_csrf, end_session, read_form, start_session
from .errors import FormInvalid, SignInRefused, TooManyAttempts
from .render import Renderer, root_of
from .sessions import SessionStore
from .throttle import SignInGuard, Slowed
from .users import MAX_PASSWORD_LENGTH, authenticate, find_user

__all__ = ["NOTICES", "SignIn", "audit_slowed", "client_address", "login_redirect"]

NOTICES = {
    "signed-out": "已退出登录",
    "everywhere": "已在所有设备上退出登录，请重新登录",
    "password": "密码已修改，所有设备上的登录均已退出，请用新密码登录",
}
"""What the sign-in page says after `?done=…` (a redirect from sign-out or the account page)."""


class SignIn:
    def __init__(
        self,
        home: HubHome,
        renderer: Renderer,
        *,
        sessions: SessionStore,
        guard: SignInGuard,
        known_browsers: KnownBrowsers,
    ) -> None:
        self.home = home
        self.renderer = renderer
        self.sessions = sessions
        self.guard = guard
        self.known_browsers = known_browsers

    def form(self, request: Request) -> Response:
        session_id = request.session.get("sid")
        username = self.sessions.username_of(str(session_id)) if session_id else None
        if username and (user := find_user(self.home.engine, username)) and not user.disabled:
            return RedirectResponse(_next_page(request, request.query_params.get("next")), 303)
        notice = NOTICES.get(request.query_params.get("done", ""), "")
        return self._form(request, error="", status=200, notice=notice)

    def _form(
        self, request: Request, *, error: str, status: int, username: str = "", notice: str = ""
    ) -> Response:
        return self.renderer.page(
            request,
            "login.html",
            {
                "title": "登录",
                "error": error,
                "notice": notice,
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
        username = form.get("username", "").strip().lower()[:64]
        password = form.get("password", "")
        address = client_address(request)
        known = username in self.known_browsers.names(request)
        wait = 0.0
        try:
            _check_fields(username, password)
            wait = self.guard.wait(address=address, username=username, known_browser=known)
            if wait > 0:
                raise TooManyAttempts(
                    f"sign-in for {username!r} from {address} refused for {wait:.0f} s more",
                    message_zh=f"登录尝试过于频繁，请 {_wait_text(wait)}后再试",
                )
            user = await run_in_threadpool(authenticate, self.home.engine, username, password)
            if user is None:
                slowed = self.guard.failed(address=address, username=username, known_browser=known)
                await run_in_threadpool(audit_slowed, self.home, slowed)
                raise SignInRefused(
                    f"wrong username or password for {username!r}",
                    message_zh="用户名或密码不正确（或账号已停用）",
                )
        except (SignInRefused, FormInvalid) as exc:
            answer = self._form(
                request, error=exc.message_zh, status=exc.http_status, username=username
            )
            if isinstance(exc, TooManyAttempts):
                answer.headers["retry-after"] = str(max(1, round(wait)))
            return answer
        self.guard.succeeded(username=username)
        await run_in_threadpool(start_session, request, user, self.sessions)
        answer = RedirectResponse(_next_page(request, form.get("next")), 303)
        self.known_browsers.remember(request, answer, user.username)
        return answer

    async def sign_out(self, request: Request) -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        await run_in_threadpool(end_session, request, self.sessions)
        return RedirectResponse(f"{root_of(request)}/login?done=signed-out", 303)


def audit_slowed(home: HubHome, slowed: list[Slowed]) -> None:
    """Writes each refusal window that started to the audit log."""
    if not slowed:
        return
    # Units first: the store's write transaction holds its lock, and a second connection
    # opened inside it (find_user) would wait on that lock until it timed out.
    units = [_audit_unit(home, event) for event in slowed]
    with home.engine.begin() as conn:
        for event, unit in zip(slowed, units, strict=True):
            record_audit(
                conn,
                actor=SIGN_IN_ACTOR,
                action=sign_in_slowed_action(
                    event.kind, event.key, failures=event.failures, seconds=event.seconds
                ),
                node_id="",
                center_code=unit,
                reason=SIGN_IN_REASON,
            )


def _audit_unit(home: HubHome, event: Slowed) -> str:
    """A name's event goes to its account's county (its admin sees it); the rest to the hub's
    own code, which only people who see the hub's whole area see."""
    if event.kind == "name":
        user = find_user(home.engine, event.key)
        if user is not None and user.county_code:
            return user.county_code
    return home.config.org_code


def _check_fields(username: str, password: str) -> None:
    if not username:
        raise FormInvalid("no username", message_zh="请输入用户名", field="username")
    if not password:
        raise FormInvalid("no password", message_zh="请输入密码", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise FormInvalid(
            "password too long",
            message_zh=f"密码最多 {MAX_PASSWORD_LENGTH} 位，请检查输入",
            field="password",
        )


def _wait_text(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} 秒"
    return f"{round(seconds / 60)} 分钟"


def client_address(request: Request) -> str:
    """The client's address as uvicorn saw it (a trusted proxy's X-Forwarded-For applied)."""
    return request.client.host if request.client else "unknown"


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
