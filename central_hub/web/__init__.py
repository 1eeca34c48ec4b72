"""Provides the hub's web dashboard: server-rendered pages a county admin or a prefecture
reviewer opens in a browser, with no internet and no JavaScript needed.

    app.py mounts it:  Mount("/dash", app=create_dashboard(hub))

Sign-in with roles (users.py), sessions kept on the server (sessions.py), throttled sign-in
(throttle.py), a same-origin check on every POST (origin.py), one scope rule (scope.py), pages
(routes.py, signin.py, account.py), one export route for every table (views.py), inline SVG
charts (charts.py). Compliance and reconciliation plug in at integrations.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import DashboardError

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..home import HubHome

__all__ = ["DashboardError", "create_dashboard"]


def create_dashboard(home: HubHome, **clocks: Any) -> Starlette:
    """The dashboard as an ASGI app for one hub home, to mount under /dash.

    Args:
        clocks: `clock` (sessions) and `monotonic` (sign-in throttling), for tests.
    """
    # Imported here: `central-hub user …` reads accounts through this package and should not
    # pay for templates and the web stack on every command.
    from .dashboard import build_dashboard

    return build_dashboard(home, **clocks)
