"""Provides the dashboard's ASGI app: its routes, session and security middleware, and error
pages. `central_hub.web.create_dashboard` builds it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import HubError
from ..home import HubHome
from .auth import SESSION_MAX_AGE, SecurityHeaders, load_secret
from .errors import DashboardError, NotSignedIn
from .render import STATIC_DIR, Renderer
from .routes import Pages
from .signin import SignIn, login_redirect
from .users import ensure_users_table

__all__ = ["build_dashboard"]

SESSION_COOKIE = "hub_dashboard"


def build_dashboard(home: HubHome) -> Starlette:
    """The dashboard as an ASGI app for one hub home, to mount under /dash."""
    ensure_users_table(home.engine)
    renderer = Renderer()
    pages = Pages(home, renderer)
    sign_in = SignIn(home, renderer)

    def error_page(request: Request, exc: Exception) -> Response:
        # HubError too: the modules the dashboard calls (compliance, reconcile) raise it.
        assert isinstance(exc, HubError)
        if isinstance(exc, NotSignedIn) and request.method == "GET":
            return login_redirect(request)
        message = exc.message_zh if isinstance(exc, DashboardError) else exc.message
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

    routes = [
        Route("/", pages.overview, methods=["GET"]),
        Route("/county/{code}", pages.county, methods=["GET"]),
        Route("/township/{code}", pages.township, methods=["GET"]),
        Route("/case/{case_id}", pages.case, methods=["GET"]),
        Route("/nodes", pages.nodes, methods=["GET"]),
        Route("/nodes/{node_id}/{action}", pages.node_action, methods=["POST"]),
        Route("/compliance", pages.compliance, methods=["GET"]),
        Route("/export/{filename}", pages.export, methods=["GET"]),
        Route("/login", sign_in.form, methods=["GET"]),
        Route("/login", sign_in.submit, methods=["POST"]),
        Route("/logout", sign_in.sign_out, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=load_secret(home.path),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE,
                same_site="lax",
            ),
        ],
        exception_handlers={HubError: error_page},
    )
