"""The FastAPI application factory behind ``counterspy serve``."""

from __future__ import annotations

import gc

from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from counterspy import __version__
from counterspy.api import (
    admin,
    cases,
    entities,
    legal,
    legal_pages,
    notify,
    report_pages,
    taxii,
    verdicts,
)
from counterspy.console.app import install as install_console
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.storage.db import Store
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

MAX_BODY_BYTES = 16 * 1024 * 1024

_STATUS_OF_ERROR: tuple[tuple[type[CounterspyError], int], ...] = (
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (ConflictError, status.HTTP_409_CONFLICT),
    (CounterspyError, status.HTTP_400_BAD_REQUEST),
)


def _error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CounterspyError)
    code = next(c for kind, c in _STATUS_OF_ERROR if isinstance(exc, kind))
    body = {"detail": exc.message}
    if exc.hint:
        body["hint"] = exc.hint
    return JSONResponse(body, status_code=code)


class BodySizeLimit:
    """Refuses (413) a request whose declared Content-Length is over ``limit`` or not a number.
    Plain ASGI: a ``BaseHTTPMiddleware`` re-streams every response through a task and queue."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > self.limit:
                        response = JSONResponse(
                            {"detail": f"request body larger than {self.limit} bytes"},
                            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
                        )
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


def create_app(workspace: Workspace | None = None, store: Store | None = None) -> FastAPI:
    """An app serving ``workspace`` (default: resolved from the environment)."""
    workspace = workspace or Workspace.resolve()
    app = FastAPI(
        title="counterspy",
        version=__version__,
        description="Surveillance-for-hire detection, disruption and reporting.",
    )
    app.state.workspace = workspace
    app.state.store = store or open_store(workspace)
    app.add_exception_handler(CounterspyError, _error_response)

    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(admin.router)
    app.include_router(verdicts.router)
    app.include_router(legal.router)
    app.include_router(legal_pages.router)
    app.include_router(entities.router)
    app.include_router(notify.router)
    app.include_router(report_pages.router)
    app.include_router(cases.router)
    taxii.install(app)
    install_console(app)
    return app


# Collector thresholds of a server process (CPython's default is (700, 10, 10)). One 10,000-URL
# batch allocates tens of thousands of short-lived containers, and every never-seen host adds
# memo entries that live on: with the defaults, young and full collections cost more than the
# verdicts themselves on warm traffic and ~15 % of the CPU on cold traffic; with these, ~3 %.
# Full collections still run (every ~100 million net container allocations, and only over
# objects not frozen by :func:`counterspy.api.verdicts.current_engine`).
SERVER_GC_THRESHOLD = (50_000, 20, 100)


def create_server_app() -> FastAPI:
    """The app ``counterspy serve`` runs in each worker process: :func:`create_app` for the
    workspace in the environment, with the verdict engine built before the first request and
    the garbage collector tuned for a long-lived server (see
    :func:`counterspy.api.verdicts.current_engine`)."""
    app = create_app()
    gc.set_threshold(*SERVER_GC_THRESHOLD)
    app.state.settle_heap = True
    app.state.settled_engine = None
    verdicts.warm_up(app)
    return app
