"""Provides the dashboard's exception tree, under the hub's one base (HubError).

    HubError
    └── DashboardError          base: every error the dashboard raises on purpose
        ├── NotSignedIn         no valid session: the page sends the person to sign in (303)
        ├── SignInRefused       wrong name or password, or a disabled account (401)
        │   └── TooManyAttempts too many failed sign-ins for a name or an address (429)
        ├── Forbidden           signed in, but the role or the county does not allow it (403)
        │   ├── CsrfRefused     a form posted without this session's token (403)
        │   └── ForeignOrigin   a state-changing request from another site's page (403)
        ├── PageNotFound        no such unit, case or table, or one outside the person's view
        ├── BadQuery            a query argument a person typed wrong, e.g. a bad date (400)
        ├── FormInvalid         a form field a person filled in wrong: the form is shown again
        │                       with the message, nothing changed (422)
        ├── NotConnected        an action whose back end has not landed yet (501)
        └── UserAdminError      `central-hub user …` given a bad name, role, county or password

Each carries `message_zh`, the sentence a person reads on the page; `message` stays English
for logs and the command line, as in the rest of the hub.
"""

from __future__ import annotations

from ..errors import HubError

__all__ = [
    "BadQuery",
    "CsrfRefused",
    "DashboardError",
    "Forbidden",
    "ForeignOrigin",
    "FormInvalid",
    "NotConnected",
    "NotSignedIn",
    "PageNotFound",
    "SignInRefused",
    "TooManyAttempts",
    "UserAdminError",
]


class DashboardError(HubError):
    """Base of the dashboard's errors; `message_zh` is shown on the page."""

    code = "dashboard_error"
    http_status = 400

    def __init__(self, message: str, *, message_zh: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint, message_zh=message_zh or message)


class NotSignedIn(DashboardError):
    code = "not_signed_in"
    http_status = 401


class SignInRefused(DashboardError):
    code = "sign_in_refused"
    http_status = 401


class TooManyAttempts(SignInRefused):
    code = "too_many_attempts"
    http_status = 429


class Forbidden(DashboardError):
    code = "forbidden"
    http_status = 403


class CsrfRefused(Forbidden):
    code = "csrf_refused"


class ForeignOrigin(Forbidden):
    code = "foreign_origin"


class PageNotFound(DashboardError):
    code = "not_found"
    http_status = 404


class BadQuery(DashboardError):
    code = "bad_query"
    http_status = 400


class FormInvalid(DashboardError):
    code = "form_invalid"
    http_status = 422

    def __init__(self, message: str, *, message_zh: str, field: str) -> None:
        super().__init__(message, message_zh=message_zh)
        self.field = field
        """The form field at fault, so the page can mark it."""


class NotConnected(DashboardError):
    code = "not_connected"
    http_status = 501


class UserAdminError(DashboardError):
    code = "user_admin_error"
