"""Migration 0005_enforce creates exactly the enforcement tables the models declare."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import counterspy.storage.models  # noqa: F401  (registers every table)
from counterspy.storage.db import Base, make_engine
from counterspy.storage.migrate import current_revision, head_revision, upgrade

ENFORCE_TABLES = {
    "banned_entities",
    "entity_aliases",
    "enforcement_actions",
    "enforce_blocklist",
    "cease_desist_letters",
}


@pytest.fixture
def migrated(store_url: str) -> Iterator[str]:
    engine = make_engine(store_url)
    upgrade(engine)
    yield store_url
    engine.dispose()


def _table_of(diff: tuple[object, ...]) -> str | None:
    """The table a diff entry is about (entries hold Table/Column/Index objects or names)."""
    for item in diff:
        if isinstance(item, tuple):  # modify_* entries come wrapped in a list of tuples
            inner = _table_of(item)
            if inner:
                return inner
        if isinstance(item, str) and item in ENFORCE_TABLES:
            return item
        name = getattr(item, "name", None)
        table = getattr(item, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(name, str) and name in ENFORCE_TABLES:
            return name
    return None


def test_migration_matches_models(migrated: str) -> None:
    engine = make_engine(migrated)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [
        d for d in diffs if _table_of(d if isinstance(d, tuple) else tuple(d)) in ENFORCE_TABLES
    ]
    assert not ours, ours
    engine.dispose()


def test_downgrade_removes_the_enforcement_tables(migrated: str) -> None:
    from sqlalchemy import inspect

    engine = make_engine(migrated)
    upgrade(engine, "0005_enforce")
    from alembic import command

    from counterspy.storage.migrate import _config

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_service")
    assert not ENFORCE_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
