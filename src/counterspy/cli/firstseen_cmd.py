"""CLI: ``counterspy intel first-seen`` (when each link domain first appeared in the workspace)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from counterspy.cli.console import err, out, progress
from counterspy.cli.intel_cmd import HOME_HELP, intel_app
from counterspy.workspace import Workspace


@intel_app.command("first-seen")
def first_seen(
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="Analytics engine: duckdb | pyspark.")
    ] = "duckdb",
    days: Annotated[
        int,
        typer.Option(
            "--first-seen-days", min=1, help="Window for the summary of new domains (days)."
        ),
    ] = 7,
    max_senders: Annotated[
        int,
        typer.Option(
            "--first-seen-max-senders",
            min=1,
            help="A new domain sent by more accounts than this is not counted as new.",
        ),
    ] = 5,
    top: Annotated[int, typer.Option("--top", min=0, help="New domains to list.")] = 20,
) -> None:
    """Compute when each registrable domain in the workspace's links was first seen, store it
    (results/first_seen/) for `verdict`, `serve` and detection, and list the new ones."""
    from counterspy.infra.firstseen import FirstSeenPolicy, refresh_first_seen

    ws = Workspace.resolve(home)
    policy = FirstSeenPolicy(window=timedelta(days=days), max_senders=max_senders)
    with progress() as p:
        p.begin("scanning link events", total=None)
        table = refresh_first_seen(ws, engine)
    new = table.new_domains(policy)
    listing = Table(title=f"domains first seen within {days} days (≤ {max_senders} senders)")
    for col in ("domain", "first seen", "events", "senders"):
        listing.add_column(col)
    for dom, seen in sorted(new.items(), key=lambda kv: kv[1], reverse=True)[:top]:
        s = table.domains[dom]
        listing.add_row(dom, f"{seen:%Y-%m-%d %H:%M}", str(s.n_events), str(s.n_senders))
    if new and top:
        out.print(listing)
    period = (
        f"{table.start:%Y-%m-%d} to {table.as_of:%Y-%m-%d}"
        if table.start and table.as_of
        else "no events"
    )
    err.print(
        f"{len(table.domains):,} link domains ({period}); {len(new):,} new within {days} days; "
        f"stored in {ws.result_dir('first_seen')}"
    )
