"""Provides the same-origin check on every state-changing request of the dashboard.

A form posted from another site carries that site's Origin; the CSRF token already stops it,
and this check stops it again before the form is read, for every route a POST can reach
(including ones added later). The rule:

- Origin present: it must be the hub's own origin (scheme, host and port of the request, as
  the browser addressed it); anything else, "null" included, is refused with 403.
- Origin absent: the Referer's origin must be the hub's own when a Referer is sent.
- Both absent: accepted. Browsers send Origin on every POST, so only a non-browser client
  (curl, a script) or a privacy tool that strips both sends neither; such a request is no
  cross-site forgery, and it still needs a session and its CSRF token.

Behind a reverse proxy, the proxy must pass the Host header through and set
X-Forwarded-Proto (uvicorn trusts it from 127.0.0.1), so the hub sees the origin people use.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["OriginCheck", "request_origin", "same_origin"]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normalized(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), (parts.hostname or ""), parts.port
    except ValueError:  # a port that is no number, a bad IPv6 literal
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host.lower(), port or _DEFAULT_PORTS[scheme]


def request_origin(scope: Scope) -> str:
    """The origin a browser used to reach this request: its scheme and Host header."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}"


def same_origin(url: str, own: str) -> bool:
    """Whether `url` (an Origin or a Referer) names the origin `own`."""
    theirs = _normalized(url)
    return theirs is not None and theirs == _normalized(own)


class OriginCheck:
    """Refuses a state-changing request whose Origin (or, without one, Referer) is foreign.

    Args:
        refuse: builds the answer for a refused request (the dashboard's Chinese 403 page).
    """

    def __init__(self, app: ASGIApp, *, refuse: Callable[[Request], Response]) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in _SAFE_METHODS:
            request = Request(scope, receive)
            if not self._allowed(request):
                await self.refuse(request)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(request: Request) -> bool:
        own = request_origin(request.scope)
        origin = request.headers.get("origin")
        if origin is not None:
            return same_origin(origin, own)
        referer = request.headers.get("referer")
        return referer is None or same_origin(referer, own)
