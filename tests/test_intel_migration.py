from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import counterspy.storage.models  # noqa: F401
from counterspy.storage.db import Base, make_engine
from counterspy.storage.migrate import upgrade


def test_migrations_create_exactly_the_models(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    intel = [d for d in diff if "intel_" in repr(d)]
    assert intel == []


def test_migration_downgrades_cleanly(tmp_path: Path) -> None:
    from alembic import command

    from counterspy.storage.migrate import _config

    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_base")
    with engine.connect() as conn:
        names = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").scalars()
        )
    assert not {n for n in names if n.startswith("intel_")}
