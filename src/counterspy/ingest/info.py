"""What a workspace holds: loads, rows per table and the time span covered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from counterspy.ingest.manifest import LoadManifest, committed_loads
from counterspy.ingest.schema import TABLES
from counterspy.workspace import Workspace

# The column that places a row of each table in time.
TIME_COLUMNS: dict[str, str] = {"accounts": "created_at", "events": "ts"}


@dataclass(frozen=True)
class TableInfo:
    table: str
    loads: int
    files: int
    rows: int
    time_column: str
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class LoadInfo:
    load_id: str
    committed_at: datetime
    rows: int
    files: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class WorkspaceInfo:
    home: Path
    exists: bool
    loads: tuple[LoadInfo, ...]
    tables: tuple[TableInfo, ...]
    staging_leftovers: tuple[str, ...]


def _span(files: list[Path], column: str) -> tuple[datetime | None, datetime | None]:
    if not files:
        return None, None
    sql = f"SELECT min({column}), max({column}) FROM read_parquet($files)"  # noqa: S608
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        row = con.execute(sql, {"files": [str(f) for f in files]}).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _table_info(ws: Workspace, table: str, manifests: list[LoadManifest]) -> TableInfo:
    files = [
        ws.loads_dir / m.load_id / f.part for m in manifests for f in m.files if f.table == table
    ]
    first, last = _span(files, TIME_COLUMNS[table])
    return TableInfo(
        table=table,
        loads=sum(1 for m in manifests if table in m.tables()),
        files=len(files),
        rows=sum(m.rows(table) for m in manifests),
        time_column=TIME_COLUMNS[table],
        first=first,
        last=last,
    )


def workspace_info(ws: Workspace) -> WorkspaceInfo:
    """Summarise ``ws`` from its load manifests and Parquet parts; changes nothing on disk."""
    manifests = committed_loads(ws)
    leftovers = (
        tuple(sorted(p.name for p in ws.staging_dir.iterdir())) if ws.staging_dir.is_dir() else ()
    )
    return WorkspaceInfo(
        home=ws.home,
        exists=ws.home.is_dir(),
        loads=tuple(
            LoadInfo(
                m.load_id,
                m.finished_at,
                sum(f.rows for f in m.files),
                len(m.files),
                m.sources,
            )
            for m in manifests
        ),
        tables=tuple(_table_info(ws, t, manifests) for t in TABLES),
        staging_leftovers=leftovers,
    )
