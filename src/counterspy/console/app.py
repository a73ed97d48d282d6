"""Mounting the console into the API app: routers, static files, error pages, headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from counterspy.console import (
    pages_appeals,
    pages_audit,
    pages_auth,
    pages_cases,
    pages_casework,
    pages_intel,
    pages_legal,
    pages_notify,
    pages_operations,
    public,
)
from counterspy.console.web import PageForbiddenError, SignInRequiredError, render, sign_in_url

ROUTERS = (
    pages_auth.router,
    pages_cases.router,
    pages_casework.router,
    pages_appeals.router,
    pages_operations.router,
    pages_notify.router,
    pages_legal.router,
    pages_intel.router,
    pages_audit.router,
    public.router,
)

# No inline script or style anywhere, no third-party origin, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HTML_PREFIXES = ("/console", "/verify-notice")


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    return RedirectResponse(sign_in_url(exc.next_path), status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbiddenError)
    return render(request, "forbidden.html.j2", exc.session, status_code=403, detail=exc.detail)


def _cross_origin(request: Request) -> bool:
    """A state-changing request whose Origin is not this site (defence in depth beside
    SameSite=Strict cookies and CSRF tokens)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


async def console_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    path = request.url.path
    if not path.startswith(_HTML_PREFIXES):
        return await call_next(request)
    if request.method == "POST" and _cross_origin(request):
        return Response("cross-origin form refused", status_code=403)
    resp = await call_next(request)
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    if not path.startswith("/console/static"):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


class ConsoleHeaders:
    """:func:`console_headers` for the console's HTML paths only. Plain ASGI: every other
    request (the JSON API, ``POST /v1/verdicts`` batches) passes straight through instead of
    being re-streamed by a ``BaseHTTPMiddleware``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.console = BaseHTTPMiddleware(app, dispatch=console_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(_HTML_PREFIXES):
            await self.console(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount(
        "/console/static",
        StaticFiles(packages=[("counterspy.console", "static")]),
        name="console-static",
    )
    app.add_exception_handler(SignInRequiredError, _sign_in_required)
    app.add_exception_handler(PageForbiddenError, _forbidden)
    app.add_middleware(ConsoleHeaders)
