"""Shared fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
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


def _postgres_schema_url(base: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_URL_ENV} is unreachable: {exc}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once on SQLite (a temp file) and once on PostgreSQL.

    PostgreSQL comes from ``$COUNTERSPY_TEST_POSTGRES_URL`` and each test gets its own schema.
    Without that variable the PostgreSQL case is skipped, unless
    ``$COUNTERSPY_REQUIRE_POSTGRES=1`` (as in CI), where it fails instead.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        reason = f"PostgreSQL contract tests need ${POSTGRES_URL_ENV} (a throwaway server URL)"
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{reason}, and ${REQUIRE_POSTGRES_ENV}=1 forbids skipping")
        pytest.skip(reason)
    yield from _postgres_schema_url(base)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store migrated to head, on each database of :func:`store_url`."""
    s = Store(store_url)
    upgrade(s.engine)
    try:
        yield s
    finally:
        s.dispose()
