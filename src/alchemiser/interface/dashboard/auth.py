"""The token guard: when a token is set, every request must carry it (Bearer header, the
session cookie, or `?token=` once, which sets the cookie and redirects to the bare URL so the
token does not stay in the address bar or the history). A browser without it gets the login
form (`/login`, POST sets the cookie); the token itself never appears in a page."""

from __future__ import annotations

import hashlib
import hmac
import html
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "alchemiser_dashboard"
LOGIN = "/login"
FORM_LIMIT = 4096


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
        request = Request(scope, receive)
        if request.url.path == LOGIN:
            await (await self._login(request))(scope, receive, send)
            return
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
            return self._signed_in(redirect)
        path = request.url.path
        if not path.startswith(("/api/", "/static/")) and request.method == "GET":
            return _login_page(path, status_code=401)
        return PlainTextResponse(
            "401 Unauthorized: this dashboard needs its token "
            "(Authorization: Bearer <token>, or open it once with ?token=<token>).",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    def _signed_in(self, response: Response) -> Response:
        response.set_cookie(COOKIE, self._session, httponly=True, samesite="strict", path="/")
        return response

    async def _login(self, request: Request) -> Response:
        if request.method == "GET":
            return _login_page(request.query_params.get("next", "/"))
        if request.method != "POST":
            return PlainTextResponse("405 Method Not Allowed", status_code=405)
        body = (await request.body())[:FORM_LIMIT].decode("utf-8", "replace")
        fields = parse_qs(body)
        given = (fields.get("token") or [""])[0]
        after = _local((fields.get("next") or ["/"])[0])
        if _same(given, self._token):
            return self._signed_in(RedirectResponse(after, status_code=303))
        return _login_page(after, status_code=401, failed=True)


def _local(path: str) -> str:
    """Only a path on this dashboard (never `//host` or `https://…`): no open redirect."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _login_page(after: str, *, status_code: int = 200, failed: bool = False) -> HTMLResponse:
    """Self-contained (its assets are behind the token too); the token is only ever typed in."""
    message = '<p class="error">That is not the token.</p>' if failed else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Alchemiser</title>
<style>body{{font-family:system-ui,sans-serif;background:#f7f7f9;margin:0}}
form{{max-width:22rem;margin:15vh auto;background:#fff;padding:1.5rem;border-radius:6px;
box-shadow:0 1px 3px #0003}}input{{width:100%;box-sizing:border-box;padding:.5rem;
margin:.5rem 0}}button{{padding:.5rem 1rem}}.error{{color:#b00020}}</style></head>
<body><form method="post" action="{LOGIN}" id="login">
<h1>Alchemiser</h1><p>This dashboard needs its token.</p>{message}
<label for="token">Token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required>
<input type="hidden" name="next" value="{html.escape(_local(after))}">
<button type="submit">Sign in</button>
</form></body></html>"""
    return HTMLResponse(page, status_code=status_code)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
