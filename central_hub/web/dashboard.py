"""Provides the dashboard's ASGI app: its routes, session and security middleware, and error
pages. `central_hub.web.create_dashboard` builds it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import HubError
from ..home import HubHome
from .account import Account
from .auth import SESSION_MAX_AGE, KnownBrowsers, SecurityHeaders, load_secret
from .errors import ForeignOrigin, NotSignedIn
from .origin import OriginCheck
from .render import STATIC_DIR, Renderer
from .routes import Pages
from .sessions import SessionStore
from .signin import SignIn, login_redirect
from .throttle import SignInGuard
from .users import ensure_users_table

__all__ = ["build_dashboard"]

SESSION_COOKIE = "hub_dashboard"
_HTTP_MESSAGES = {
    404: "没有这个页面，请从总览重新进入",
    405: "此页面不支持这种请求方式，请从看板页面上的链接或按钮操作",
}
log = logging.getLogger("central_hub.web")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_dashboard(
    home: HubHome,
    *,
    clock: Callable[[], datetime] = _utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The dashboard as an ASGI app for one hub home, to mount under /dash.

    Args:
        clock: the wall clock sessions expire by.
        monotonic: the clock sign-in throttling counts by (tests advance both).
    """
    ensure_users_table(home.engine)
    renderer = Renderer()
    secret = load_secret(home.path)
    sessions = SessionStore(home.engine, clock=clock)
    guard = SignInGuard(clock=monotonic)
    pages = Pages(home, renderer, sessions=sessions)
    sign_in = SignIn(
        home, renderer, sessions=sessions, guard=guard, known_browsers=KnownBrowsers(secret)
    )
    account = Account(home, renderer, sessions=sessions, guard=guard)

    def error_page(request: Request, exc: Exception) -> Response:
        # HubError too: the modules the dashboard calls (compliance, reconcile) raise it.
        assert isinstance(exc, HubError)
        if isinstance(exc, NotSignedIn) and request.method == "GET":
            return login_redirect(request)
        message = exc.message_zh
        if not message:  # a HubError that has no Chinese: say so in Chinese, log the English
            log.warning("dashboard request refused: %s (%s)", exc.message, exc.code)
            message = f"无法完成此请求（错误代码 {exc.code}），请联系中心管理员查看服务器日志"
        if request.url.path.endswith(".json"):
            return JSONResponse(exc.to_dict() | {"message_zh": message}, exc.http_status)
        return renderer.page(
            request,
            "error.html",
            {"title": "无法打开", "message": message, "status": exc.http_status},
            hub=home.config,
            user=None,
            status=exc.http_status,
        )

    def http_error(request: Request, exc: Exception) -> Response:
        """Starlette's own refusals (no such route, a method a route does not take) and any
        unexpected failure, as the same Chinese error page instead of its English text."""
        if isinstance(exc, HTTPException):
            status, message = exc.status_code, _HTTP_MESSAGES.get(exc.status_code, "")
        else:
            log.exception("dashboard request failed", exc_info=exc)
            status, message = 500, ""
        message = message or f"服务器处理出错（{status}），请稍后再试或联系中心管理员查看日志"
        return renderer.page(
            request,
            "error.html",
            {"title": "无法打开", "message": message, "status": status},
            hub=home.config,
            user=None,
            status=status,
        )

    routes = [
        Route("/", pages.overview, methods=["GET"]),
        Route("/county/{code}", pages.county, methods=["GET"]),
        Route("/township/{code}", pages.township, methods=["GET"]),
        Route("/case/{case_id}", pages.case, methods=["GET"]),
        Route("/search", pages.search, methods=["GET"]),
        Route("/nodes", pages.nodes, methods=["GET"]),
        Route("/nodes/{node_id}/{action}", pages.node_action, methods=["POST"]),
        Route("/compliance", pages.compliance, methods=["GET"]),
        Route("/export/{filename}", pages.export, methods=["GET"]),
        Route("/login", sign_in.form, methods=["GET"]),
        Route("/login", sign_in.submit, methods=["POST"]),
        Route("/logout", sign_in.sign_out, methods=["POST"]),
        Route("/account", account.page, methods=["GET"]),
        Route("/account/password", account.change_password, methods=["POST"]),
        Route("/account/sign-out-everywhere", account.sign_out_everywhere, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]

    def foreign_origin(request: Request) -> Response:
        return error_page(
            request,
            ForeignOrigin(
                "a state-changing request from another site's page",
                message_zh="请求来自本中心以外的网页，已拒绝。请直接在本看板页面上操作",
            ),
        )

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE,
                same_site="lax",
            ),
            # Inside the session: its refusal page carries the sign-in form's CSRF token.
            Middleware(OriginCheck, refuse=foreign_origin),
        ],
        exception_handlers={HubError: error_page, HTTPException: http_error, 500: http_error},
    )
