"""The HTTP application factory. Features add their routers here; auth arrives separately."""

from __future__ import annotations

from fastapi import FastAPI

from counterspy import __version__
from counterspy.workspace import Workspace


def create_app(workspace: Workspace) -> FastAPI:
    """A FastAPI app serving ``workspace``."""
    from counterspy.api import verdicts

    app = FastAPI(title="counterspy", version=__version__)
    app.state.workspace = workspace

    @app.get("/v1/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(verdicts.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for multi-worker servers: the workspace comes from ``$COUNTERSPY_HOME``."""
    return create_app(Workspace.resolve())
