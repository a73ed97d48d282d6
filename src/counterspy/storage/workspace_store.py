"""Where a workspace's operational store is, whether its schema is current, and migrating it.

Opening the store for use is :func:`counterspy.storage.open.open_store`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from counterspy.errors import CounterspyError
from counterspy.storage.db import Store
from counterspy.storage.migrate import current_revision, head_revision, upgrade
from counterspy.workspace import DATABASE_URL_ENV, Workspace


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "<unparseable database URL>"


@dataclass(frozen=True)
class StoreStatus:
    url: str  # password masked
    dialect: str
    current: str | None
    head: str | None
    is_default: bool  # the SQLite file inside the workspace, not $COUNTERSPY_DATABASE_URL

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def is_default_store(ws: Workspace) -> bool:
    """True when the store is the SQLite file inside the workspace."""
    return ws.database_url == f"sqlite:///{ws.home / 'counterspy.db'}"


def connect(url: str) -> Store:
    try:
        return Store(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise CounterspyError(
            f"cannot use database URL {mask_url(url)} ({exc})",
            hint=f"check ${DATABASE_URL_ENV}, e.g. postgresql+psycopg://user:pw@host/db",
        ) from None


def store_status(store: Store, is_default: bool) -> StoreStatus:
    try:
        current = current_revision(store.engine)
    except SQLAlchemyError as exc:
        raise CounterspyError(
            f"cannot reach the operational store at {mask_url(store.url)} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0]})",
            hint="check that the database server runs and the URL, user and password are right",
        ) from None
    return StoreStatus(
        mask_url(store.url), store.engine.dialect.name, current, head_revision(), is_default
    )


def upgrade_store(store: Store) -> tuple[str | None, str | None]:
    """Migrate to head; returns (revision before, revision after)."""
    before = current_revision(store.engine)
    try:
        upgrade(store.engine)
    except SQLAlchemyError as exc:
        raise CounterspyError(
            f"migration of {mask_url(store.url)} failed ({str(exc).splitlines()[0]})",
            hint="re-run with --debug for details; the failed step was rolled back",
        ) from None
    return before, current_revision(store.engine)
