"""Shared fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real public indicator data beside the checkout; skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real indicator data not found at ../shared/data (looked in {SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace folder, also set as $COUNTERSPY_HOME."""
    h = tmp_path / "home"
    monkeypatch.setenv("COUNTERSPY_HOME", str(h))
    monkeypatch.delenv("COUNTERSPY_DATABASE_URL", raising=False)
    return h


# --- operational store: one contract suite, SQLite and PostgreSQL -----------------------------

POSTGRES_URL_ENV = "COUNTERSPY_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "COUNTERSPY_REQUIRE_POSTGRES"


def _fresh_postgres_database(base: str) -> Iterator[str]:
    """URL of a new, empty database on the server at ``base``; dropped afterwards."""
    name = f"cs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at ${POSTGRES_URL_ENV} is unusable: {exc}".splitlines()[0])
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty operational store, on SQLite (a temp file) and on PostgreSQL.

    PostgreSQL tests get a fresh database each, on the server at
    ``$COUNTERSPY_TEST_POSTGRES_URL``. Without that variable they are skipped, unless
    ``$COUNTERSPY_REQUIRE_POSTGRES=1`` (CI sets it), where they fail instead.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        reason = f"PostgreSQL not configured (set ${POSTGRES_URL_ENV} to a throwaway server)"
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{reason}; ${REQUIRE_POSTGRES_ENV}=1 forbids skipping")
        pytest.skip(reason)
    yield from _fresh_postgres_database(base)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store migrated to head, on each database of :func:`store_url`."""
    s = Store(store_url)
    upgrade(s.engine)
    try:
        yield s
    finally:
        s.dispose()
