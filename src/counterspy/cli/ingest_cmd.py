"""``counterspy ingest`` and ``counterspy workspace info``."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from counterspy.analytics.memory import resolve_memory_budget
from counterspy.cli.console import MEMORY_LIMIT, err, out, progress
from counterspy.cli.main import app
from counterspy.errors import CounterspyError
from counterspy.ingest.info import WorkspaceInfo, workspace_info
from counterspy.ingest.load import LoadSummary, ingest
from counterspy.ingest.mirror import mirror_loads
from counterspy.storage.db import Store
from counterspy.storage.open import open_store
from counterspy.storage.workspace_store import mask_url
from counterspy.workspace import DATABASE_URL_ENV, Workspace

SHOW_SOURCES = 10  # loads whose source paths `workspace info` prints
HOME_HELP = "Workspace folder (default: $COUNTERSPY_HOME, else ./counterspy-home)."

workspace_app = typer.Typer(help="Inspect the workspace.", no_args_is_help=True)
app.add_typer(workspace_app, name="workspace")


@app.command("ingest")
def ingest_command(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders holding accounts/events tables (Parquet, CSV, JSON Lines)."
    ),
    home: Path | None = typer.Option(None, "--home", help=HOME_HELP),
    check: bool = typer.Option(
        False, "--check", help="Run every check but commit nothing (validate an export)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    memory_limit: str | None = MEMORY_LIMIT,
) -> None:
    """Validate platform telemetry and add it to the workspace as one atomic load."""
    ws = Workspace.resolve(home)
    budget = resolve_memory_budget(memory_limit)
    if check:
        with progress() as bar:
            summary = ingest(ws, paths, bar, commit=False, memory=budget)
        _report(summary, "nothing committed (--check): the workspace is unchanged", as_json)
        return
    # A shared store is opened (reached, migrated) before any work; the workspace's own SQLite
    # file is created only after a successful load, so a rejected load changes nothing.
    store: Store | None = open_store(ws) if os.environ.get(DATABASE_URL_ENV) else None
    with progress() as bar:
        summary = ingest(ws, paths, bar, memory=budget)
    _report(summary, _mirror(ws, store), as_json)


def _report(s: LoadSummary, store_line: str, as_json: bool) -> None:
    if not as_json:
        _print_summary(s, store_line)
        return
    doc = {
        "load_id": s.load_id,
        "committed": s.folder is not None,
        "folder": str(s.folder) if s.folder is not None else None,
        "rows": s.rows,
        "files": s.files,
        "seconds": round(s.seconds, 3),
        "tables": [asdict(t) for t in s.tables],
        "notes": list(s.notes),
        "memory_limit": s.memory_limit,
        "store": store_line,
    }
    out.print_json(json.dumps(doc))


def _mirror(ws: Workspace, store: Store | None) -> str:
    try:
        store = store or open_store(ws)
        added = mirror_loads(store, ws)
    except (CounterspyError, SQLAlchemyError) as exc:
        why = exc.message if isinstance(exc, CounterspyError) else str(exc).splitlines()[0]
        err.print(
            f"[yellow]warning:[/] load committed, but the operational store was not updated: {why}",
            markup=True,
            highlight=False,
        )
        return "operational store: not updated (the next ingest or `counterspy db upgrade` will)"
    finally:
        if store is not None:
            store.dispose()
    return f"operational store: {mask_url(store.url)} ({added.describe()})"


def _print_summary(s: LoadSummary, store_line: str) -> None:
    title = f"load {s.load_id}" if s.folder is not None else "would load"
    t = Table(title=title, title_justify="left")
    t.add_column("table")
    t.add_column("files", justify="right")
    t.add_column("rows", justify="right")
    for c in s.tables:
        t.add_row(c.table, str(c.files), f"{c.rows:,}")
    out.print(t)
    rate = s.rows / s.seconds if s.seconds > 0 else 0.0
    verb = "committed" if s.folder is not None else "checked"
    dest = f" to {s.folder}" if s.folder is not None else ""
    out.print(
        f"{verb} {s.rows:,} rows from {s.files} file{'s' if s.files != 1 else ''} "
        f"in {s.seconds:.1f} s ({rate:,.0f} rows/s){dest}"
    )
    for note in s.notes:
        out.print(f"note: {note}")
    out.print(store_line)
    out.print(s.memory_limit, highlight=False)


@workspace_app.command("info")
def workspace_info_command(
    home: Path | None = typer.Option(None, "--home", help=HOME_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show loads, rows per table and the time range covered."""
    info = workspace_info(Workspace.resolve(home))
    if as_json:
        out.print_json(json.dumps(asdict(info), default=str))
        return
    _print_info(info)


def _print_info(info: WorkspaceInfo) -> None:
    if not info.exists:
        out.print(f"workspace {info.home} does not exist yet: run `counterspy ingest PATH`")
        return
    out.print(f"workspace {info.home}: {len(info.loads)} load{'s' if len(info.loads) != 1 else ''}")
    t = Table(title="tables (times in UTC)", title_justify="left")
    for name in ("table", "loads", "files", "rows", "from", "to"):
        left = name in ("table", "from", "to")
        t.add_column(name, justify="left" if left else "right", no_wrap=True)
    for tab in info.tables:
        span = [f"{d:%Y-%m-%d %H:%M}" if d else "-" for d in (tab.first, tab.last)]
        t.add_row(tab.table, str(tab.loads), str(tab.files), f"{tab.rows:,}", *span)
    out.print(t)
    if info.loads:
        lt = Table(title="loads", title_justify="left")
        for name in ("load id", "committed (UTC)", "files", "rows"):
            right = name in ("files", "rows")
            lt.add_column(name, justify="right" if right else "left", no_wrap=True)
        for ld in info.loads:
            lt.add_row(
                ld.load_id, f"{ld.committed_at:%Y-%m-%d %H:%M:%S}", str(ld.files), f"{ld.rows:,}"
            )
        out.print(lt)
        for ld in info.loads[-SHOW_SOURCES:]:
            out.print(f"{ld.load_id} from {', '.join(ld.sources)}")
        if len(info.loads) > SHOW_SOURCES:
            out.print(f"(sources of the {SHOW_SOURCES} newest loads shown; --json lists all)")
    if info.staging_leftovers:
        out.print(
            f"note: staging/ holds {', '.join(info.staging_leftovers)} from an interrupted "
            "ingest; the next ingest removes it"
        )
