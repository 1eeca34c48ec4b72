"""Provides the hub's web dashboard: server-rendered pages a county admin or a prefecture
reviewer opens in a browser, with no internet and no JavaScript needed.

    app.py mounts it:  Mount("/dash", app=create_dashboard(hub))

Sign-in with roles (users.py), one scope rule (scope.py), pages (routes.py, signin.py), one
export route for every table (views.py), inline SVG charts (charts.py). Compliance and
reconciliation plug in at integrations.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import DashboardError, UserAdminError
from .users import ROLE_LABELS, ROLES, User, add_user, disable_user, list_users

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..home import HubHome

__all__ = [
    "ROLES",
    "ROLE_LABELS",
    "DashboardError",
    "User",
    "UserAdminError",
    "add_user",
    "create_dashboard",
    "disable_user",
    "list_users",
]


def create_dashboard(home: HubHome) -> Starlette:
    """The dashboard as an ASGI app for one hub home, to mount under /dash."""
    # Imported here: `central-hub user …` reads accounts through this package and should not
    # pay for templates and the web stack on every command.
    from .dashboard import build_dashboard

    return build_dashboard(home)
