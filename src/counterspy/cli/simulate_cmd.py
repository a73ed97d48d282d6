"""``counterspy simulate``: a synthetic platform with surveillance-for-hire operations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.console import err, out, progress
from counterspy.cli.main import app
from counterspy.errors import CounterspyError
from counterspy.ingest.simulator import MIN_ACCOUNTS, SimulationConfig, simulate


@app.command("simulate")
def simulate_cmd(
    out_dir: Path = typer.Option(..., "--out", help="New or empty directory to write into."),
    seed: int = typer.Option(1, "--seed", help="Random seed: same seed, same data."),
    accounts: int = typer.Option(
        20_000, "--accounts", help=f"Accounts on the platform (at least {MIN_ACCOUNTS})."
    ),
    days: int = typer.Option(30, "--days", help="Length of the simulated period in days."),
    stealth: int = typer.Option(2, "--stealth", help="Operator care: 0 blatant, 1, 2, 3 careful."),
    start: str = typer.Option("2021-10-01", "--start", help="First simulated day (YYYY-MM-DD)."),
    events_per_account: float = typer.Option(
        10.0, "--events-per-account", help="Mean benign events per account over the period."
    ),
    chunk_accounts: int = typer.Option(
        100_000, "--chunk-accounts", help="Accounts per Parquet part file (memory per step)."
    ),
) -> None:
    """Simulate a platform with benign users, confounders and operations of seven firms."""
    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError as exc:
        raise CounterspyError(
            f"--start {start!r} is not a date", hint="use YYYY-MM-DD, e.g. 2021-10-01"
        ) from exc
    cfg = SimulationConfig(
        accounts=accounts,
        days=days,
        seed=seed,
        stealth=stealth,
        start=start_date,
        events_per_account=events_per_account,
        chunk_accounts=chunk_accounts,
    )
    cfg.validate()
    with progress() as p:
        s = simulate(cfg, out_dir, p)
    t = Table(title=f"simulated {s.accounts:,} accounts, {s.events:,} events in {s.seconds:.1f} s")
    for col in ("firm", "operations", "operator accounts", "targets"):
        t.add_column(col, justify="left" if col == "firm" else "right")
    for firm, ops, accts, tgts in s.per_firm:
        t.add_row(firm, str(ops), str(accts), str(tgts))
    err.print(t)
    out.print(
        f"wrote {s.out_dir}: accounts/ events/ ({s.event_files} parts) truth/ — "
        f"{s.operations} operations, {s.operators} operators, {s.targets} targets, "
        f"{s.domains} domains, {s.confounders} confounders, {s.at_risk} at-risk accounts"
    )
