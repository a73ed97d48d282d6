"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _postgres_url() -> str | None:
    import os

    return os.environ.get("COUNTERSPY_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty operational store, on SQLite and on PostgreSQL.

    PostgreSQL tests use a fresh database each; they skip when COUNTERSPY_TEST_POSTGRES_URL is
    unset, and fail instead when COUNTERSPY_REQUIRE_POSTGRES=1 (CI sets it).
    """
    import os
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = _postgres_url()
    if not base:
        if os.environ.get("COUNTERSPY_REQUIRE_POSTGRES") == "1":
            pytest.fail("COUNTERSPY_REQUIRE_POSTGRES=1 but COUNTERSPY_TEST_POSTGRES_URL is unset")
        pytest.skip("PostgreSQL not configured (set COUNTERSPY_TEST_POSTGRES_URL)")
    name = f"cs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
