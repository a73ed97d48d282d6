"""Opening the operational store of a workspace."""

from __future__ import annotations

from counterspy.errors import CounterspyError
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade
from counterspy.workspace import Workspace


def open_store(workspace: Workspace, *, migrate: bool = True) -> Store:
    """The workspace's store, brought to the newest schema unless ``migrate`` is False.

    The embedded SQLite store migrates itself; for PostgreSQL the same happens, and operators
    who prefer explicit migrations run ``counterspy db upgrade`` first.
    """
    url = workspace.database_url
    if url.startswith("sqlite"):
        workspace.home.mkdir(parents=True, exist_ok=True)
    try:
        store = Store(url)
        if migrate:
            upgrade(store.engine)
    except Exception as exc:  # driver errors: unreachable server, bad URL, permissions
        if isinstance(exc, CounterspyError):
            raise
        raise CounterspyError(
            f"cannot open the operational store: {type(exc).__name__}: {exc}".splitlines()[0],
            hint="check COUNTERSPY_DATABASE_URL or --home",
        ) from exc
    return store
