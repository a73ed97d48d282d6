"""``counterspy db upgrade`` and ``counterspy db status``: the operational store's schema."""

from __future__ import annotations

from pathlib import Path

import typer

from counterspy.cli.console import out
from counterspy.cli.ingest_cmd import HOME_HELP
from counterspy.cli.main import app
from counterspy.ingest.mirror import mirror_loads
from counterspy.storage.workspace_store import (
    connect,
    is_default_store,
    mask_url,
    store_status,
    upgrade_store,
)
from counterspy.workspace import Workspace

db_app = typer.Typer(
    help="Operational store (SQLite in the workspace, or PostgreSQL).", no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    home: Path | None = typer.Option(None, "--home", help=HOME_HELP),
) -> None:
    """Create or migrate the store to this version's schema, then mirror the workspace's loads."""
    ws = Workspace.resolve(home)
    default = is_default_store(ws)
    if default:
        ws.home.mkdir(parents=True, exist_ok=True)
    store = connect(ws.database_url)
    try:
        before, after = upgrade_store(store)
        added = mirror_loads(store, ws)
    finally:
        store.dispose()
    url = mask_url(ws.database_url)
    if before == after:
        out.print(f"store {url}: already at {after}")
    else:
        out.print(f"store {url}: upgraded {before or '(empty)'} -> {after}")
    out.print(f"mirrored the loads of {ws.home} ({added.describe()})")


@db_app.command("status")
def db_status(
    home: Path | None = typer.Option(None, "--home", help=HOME_HELP),
) -> None:
    """Show the store URL (password masked) and its revision against this version's head."""
    ws = Workspace.resolve(home)
    default = is_default_store(ws)
    if default and not (ws.home / "counterspy.db").exists():
        out.print(f"url:     {mask_url(ws.database_url)} (workspace default, not created yet)")
        out.print("state:   run `counterspy db upgrade` or `counterspy ingest` to create it")
        return
    store = connect(ws.database_url)
    try:
        st = store_status(store, default)
    finally:
        store.dispose()
    origin = "workspace default" if default else "$COUNTERSPY_DATABASE_URL"
    out.print(f"url:     {st.url} ({st.dialect}, {origin})")
    out.print(f"current: {st.current or '(empty)'}")
    out.print(f"head:    {st.head}")
    state = "up to date" if st.up_to_date else "behind: run `counterspy db upgrade`"
    out.print(f"state:   {state}")
