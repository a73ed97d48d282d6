from __future__ import annotations

from pathlib import Path

from counterspy.storage.db import make_engine
from counterspy.storage.migrate import current_revision, head_revision, upgrade


def test_upgrade_brings_empty_sqlite_store_to_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
