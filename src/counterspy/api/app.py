"""The FastAPI application factory behind ``counterspy serve``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse

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

    @app.middleware("http")
    async def limit_body_size(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return JSONResponse(
                {"detail": f"request body larger than {MAX_BODY_BYTES} bytes"},
                status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            )
        return await call_next(request)

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
