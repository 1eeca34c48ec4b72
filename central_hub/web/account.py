"""Provides the account page: change one's own password, and sign out everywhere.

Both end every session of the account on the server (sessions.py): after a password change
the browser that changed it signs in again with the new password like every other; "sign out
everywhere" (退出所有设备) is for a person who signed in on a shared or lost PC.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..home import HubHome
from .auth import check_csrf, read_form, signed_in_user
from .errors import FormInvalid, TooManyAttempts, UserAdminError
from .render import Renderer, root_of
from .sessions import SessionStore
from .signin import audit_slowed, client_address
from .throttle import SignInGuard
from .users import MAX_PASSWORD_LENGTH, User, password_matches, set_password

__all__ = ["Account"]


class Account:
    def __init__(
        self, home: HubHome, renderer: Renderer, *, sessions: SessionStore, guard: SignInGuard
    ) -> None:
        self.home = home
        self.renderer = renderer
        self.sessions = sessions
        self.guard = guard

    def page(self, request: Request) -> Response:
        user = signed_in_user(request, self.sessions)
        return self._page(request, user, error="", field="", status=200)

    def _page(
        self, request: Request, user: User, *, error: str, field: str, status: int
    ) -> Response:
        return self.renderer.page(
            request,
            "account.html",
            {"title": "我的账号", "error": error, "error_field": field},
            hub=self.home.config,
            user=user,
            status=status,
        )

    async def change_password(self, request: Request) -> Response:
        form = await read_form(request)
        user = await run_in_threadpool(signed_in_user, request, self.sessions)
        check_csrf(request, form)
        try:
            await self._change(request, user, form)
        except (FormInvalid, TooManyAttempts) as exc:
            field = exc.field if isinstance(exc, FormInvalid) else "current_password"
            return self._page(
                request, user, error=exc.message_zh, field=field, status=exc.http_status
            )
        return RedirectResponse(f"{root_of(request)}/login?done=password", 303)

    async def _change(self, request: Request, user: User, form: dict[str, str]) -> None:
        current = form.get("current_password", "")
        new, again = form.get("new_password", ""), form.get("new_password_again", "")
        address = client_address(request)
        if not current:
            raise FormInvalid(
                "no current password", message_zh="请输入当前密码", field="current_password"
            )
        if wait := self.guard.wait(address=address, username=user.username, known_browser=True):
            raise TooManyAttempts(
                f"password change from {address} refused for {wait:.0f} s more",
                message_zh=f"密码输错次数过多，请 {max(1, round(wait))} 秒后再试",
            )
        matches = len(current) <= MAX_PASSWORD_LENGTH and await run_in_threadpool(
            password_matches, self.home.engine, user.username, current
        )
        if not matches:
            # Counted on the address only: the person holds a session, so it is their browser.
            slowed = self.guard.failed(address=address, username=user.username, known_browser=True)
            await run_in_threadpool(audit_slowed, self.home, slowed)
            raise FormInvalid(
                "wrong current password", message_zh="当前密码不正确", field="current_password"
            )
        if new != again:
            raise FormInvalid(
                "the new passwords differ",
                message_zh="两次输入的新密码不一致",
                field="new_password_again",
            )
        if new == current:
            raise FormInvalid(
                "the new password is the current one",
                message_zh="新密码不能与当前密码相同",
                field="new_password",
            )
        try:
            await run_in_threadpool(set_password, self.home.engine, user.username, new)
        except UserAdminError as exc:
            raise FormInvalid(exc.message, message_zh=exc.message_zh, field="new_password") from exc
        request.session.clear()

    async def sign_out_everywhere(self, request: Request) -> Response:
        form = await read_form(request)
        user = await run_in_threadpool(signed_in_user, request, self.sessions)
        check_csrf(request, form)
        await run_in_threadpool(self.sessions.end_all, user.username)
        request.session.clear()
        return RedirectResponse(f"{root_of(request)}/login?done=everywhere", 303)
