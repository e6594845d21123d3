"""The token guard: when a token is set, every request must carry it (Bearer header, the
session cookie, or `?token=` once, which sets the cookie and redirects to the bare URL so the
token does not stay in the address bar or the history)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "alchemiser_dashboard"


def session_value(token: str) -> str:
    """The cookie holds a digest of the token, never the token itself."""
    return hmac.new(token.encode(), b"alchemiser-dashboard-session", hashlib.sha256).hexdigest()


class TokenGuard:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._token = token
        self._session = session_value(token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request = Request(scope)
        response = self._check(request)
        if response is None:
            await self._app(scope, receive, send)
            return
        await response(scope, receive, send)

    def _check(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and _same(value.strip(), self._token):
            return None
        if _same(request.cookies.get(COOKIE, ""), self._session):
            return None
        query = request.query_params.get("token")
        if query is not None and _same(query, self._token):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = URL(path=request.url.path, query=urlencode(rest))
            redirect = RedirectResponse(str(target), status_code=303)
            redirect.set_cookie(COOKIE, self._session, httponly=True, samesite="strict", path="/")
            return redirect
        return PlainTextResponse(
            "401 Unauthorized: this dashboard needs its token "
            "(Authorization: Bearer <token>, or open it once with ?token=<token>).",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
