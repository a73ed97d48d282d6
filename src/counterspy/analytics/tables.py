"""The canonical table registry: the workspace's committed loads as Ibis tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from counterspy.errors import CounterspyError
from counterspy.ingest.schema import ACCOUNTS, EVENTS, Table
from counterspy.workspace import Workspace


@dataclass(frozen=True)
class CanonicalTables:
    """The canonical tables a detector may read, already bound to one backend."""

    accounts: ir.Table
    events: ir.Table


def _read(con: Any, ws: Workspace, table: Table) -> ir.Table:
    files = ws.table_files(table.name)
    if not files:
        raise CounterspyError(
            f"no {table.name} loaded in workspace {ws.home}",
            hint="load telemetry first (`counterspy ingest ...`) or pass --home",
        )
    t = con.read_parquet(ws.table_glob(table.name))
    missing = [c for c in table.names if c not in t.columns]
    if missing:
        raise CounterspyError(
            f"{table.name} in {ws.home} lacks columns {', '.join(missing)}",
            hint="re-ingest the data: the loads do not follow the data contract",
        )
    return t.select(*table.names)


def load_tables(con: Any, ws: Workspace) -> CanonicalTables:
    """Bind every committed load of the workspace to ``con``."""
    return CanonicalTables(accounts=_read(con, ws, ACCOUNTS), events=_read(con, ws, EVENTS))
