"""Operational store contract: the same tests on SQLite and PostgreSQL (see conftest.store_url)."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.exc import StatementError

import counterspy.storage.models  # noqa: F401
from counterspy.ingest.load import ingest
from counterspy.ingest.manifest import committed_loads
from counterspy.ingest.mirror import MirrorResult, load_entry, mirror_loads
from counterspy.storage import migrate
from counterspy.storage.db import Base, Store
from counterspy.storage.loads import (
    LoadEntry,
    LoadFileEntry,
    LoadFileRow,
    LoadRow,
    list_loads,
    loads_with_file,
    record_loads,
)
from counterspy.storage.migrate import current_revision, head_revision, upgrade
from counterspy.storage.workspace_store import mask_url, upgrade_store
from counterspy.workspace import Workspace
from tests.ingest_helpers import write_dataset

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def _entry(load_id: str, n_files: int = 2, sha: str = "ab" * 32) -> LoadEntry:
    return LoadEntry(
        load_id=load_id,
        workspace="/srv/counterspy",
        started_at=T0,
        committed_at=T0 + timedelta(seconds=42),
        counterspy_version="0.1.0",
        sources=("/data/export-1", "/data/export-2"),
        files=tuple(
            LoadFileEntry(
                "events", f"events/part-{i:05d}.parquet", f"/data/e{i}.csv", "csv", sha, 10, 7 + i
            )
            for i in range(n_files)
        ),
    )


def test_migrations_reach_head(store_url: str) -> None:
    s = Store(store_url)
    assert current_revision(s.engine) is None
    upgrade(s.engine)
    assert current_revision(s.engine) == head_revision()
    upgrade(s.engine)  # a second run is a no-op
    assert current_revision(s.engine) == head_revision()
    with s.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {"loads", "load_files"} <= tables
    s.dispose()


def test_models_match_migrations(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_load_round_trip_keeps_order_and_utc(store: Store) -> None:
    entries = [_entry("20260301T093015.000001Z-aaaaaa", 3), _entry("20260301T093016.0Z-bbbbbb", 1)]
    assert record_loads(store, reversed(entries)) == 2
    got = list_loads(store)
    assert got == entries
    assert got[0].committed_at.tzinfo is not None
    assert got[0].rows == 7 + 8 + 9


def test_recording_is_idempotent(store: Store) -> None:
    assert record_loads(store, [_entry("L1")]) == 1
    assert record_loads(store, [_entry("L1"), _entry("L2")]) == 1
    assert [e.load_id for e in list_loads(store)] == ["L1", "L2"]


def test_file_lookup_by_hash(store: Store) -> None:
    record_loads(store, [_entry("L1", sha="11" * 32), _entry("L2", sha="22" * 32)])
    assert loads_with_file(store, "22" * 32) == ["L2"]
    assert loads_with_file(store, "33" * 32) == []


def test_deleting_a_load_deletes_its_files(store: Store) -> None:
    record_loads(store, [_entry("L1", 3)])
    with store.session() as s:
        s.execute(delete(LoadRow).where(LoadRow.load_id == "L1"))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(LoadFileRow)) == 0


def test_naive_datetimes_are_refused(store: Store) -> None:
    bad = LoadEntry("L1", "/w", T0.replace(tzinfo=None), T0, "0.1.0", (), ())
    with pytest.raises(StatementError, match="naive datetime"):
        record_loads(store, [bad])
    assert list_loads(store) == []


def test_ingest_is_mirrored_into_the_store(store: Store, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    ingest(ws, [write_dataset(tmp_path / "sim")])
    assert mirror_loads(store, ws) == MirrorResult(1, 0)
    assert mirror_loads(store, ws) == MirrorResult(0, 0)
    assert list_loads(store) == [load_entry(m, ws) for m in committed_loads(ws)]
    shutil.rmtree(ws.loads_dir / list_loads(store)[0].load_id)
    assert mirror_loads(store, ws) == MirrorResult(0, 1)
    assert list_loads(store) == []


def test_mirror_leaves_other_workspaces_alone(store: Store, tmp_path: Path) -> None:
    a, b = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    ingest(a, [write_dataset(tmp_path / "sim-a")])
    ingest(b, [write_dataset(tmp_path / "sim-b", 5, 7)])
    mirror_loads(store, a)
    assert mirror_loads(store, b) == MirrorResult(1, 0)
    assert mirror_loads(store, a) == MirrorResult(0, 0)
    assert len(list_loads(store, str(a.home))) == len(list_loads(store, str(b.home))) == 1


def test_sqlite_store_uses_wal(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'wal.db'}")
    upgrade(s.engine)
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.dispose()


def test_sqlite_concurrent_writers_all_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    setup = Store(url)
    upgrade(setup.engine)
    setup.dispose()
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        s = Store(url)  # own engine, own connections: like a second process
        try:
            for i in range(15):
                record_loads(s, [_entry(f"W{k}-{i:03d}", 4)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            s.dispose()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    check = Store(url)
    assert len(list_loads(check)) == 60
    check.dispose()


def test_upgrade_store_reports_revisions(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'shared.db'}")
    upgrade(s.engine, "0001_base")
    assert upgrade_store(s) == ("0001_base", head_revision())
    assert upgrade_store(s) == (head_revision(), head_revision())
    s.dispose()


def test_url_password_is_masked() -> None:
    masked = mask_url("postgresql+psycopg://spy:s3cr3t@db.example:5432/counterspy")
    assert "s3cr3t" not in masked
    assert masked == "postgresql+psycopg://spy:***@db.example:5432/counterspy"


def test_store_migration_downgrades_and_upgrades_again(store: Store) -> None:
    record_loads(store, [_entry("L1")])
    cfg = migrate._config()
    below = ScriptDirectory.from_config(cfg).get_revision("0002_store").down_revision
    assert isinstance(below, str)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, below)
    with store.engine.connect() as conn:
        assert not {"loads", "load_files"} & set(inspect(conn).get_table_names())
    upgrade(store.engine)
    assert list_loads(store) == []
