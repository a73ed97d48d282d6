"""`counterspy detect` and `counterspy evaluate`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from counterspy.analytics.memory import resolve_memory_budget
from counterspy.cli.console import HOME, MEMORY_LIMIT, err, out, progress
from counterspy.cli.main import app
from counterspy.detect.evaluate import evaluate
from counterspy.detect.run import detect_workspace, workspace_link_checker
from counterspy.model import Phase
from counterspy.workspace import Workspace

TRUTH = typer.Option(..., "--truth", help="Simulator ground-truth folder (DIR/truth).")


@app.command()
def detect(
    home: Path | None = HOME,
    engine: str = typer.Option("duckdb", "--engine", help="Analytics engine: duckdb | pyspark."),
    indicators: list[Path] = typer.Option(
        [], "--indicators", help="Indicator file (Meta CSV/JSON, domain,actor CSV, or text)."
    ),
    threads: int | None = typer.Option(None, "--threads", help="Engine threads (default all)."),
    link_engine: str = typer.Option(
        "builtin",
        "--link-engine",
        help="Link verdicts: builtin heuristic, or verdict (the workspace's intel store).",
    ),
    memory_limit: str | None = MEMORY_LIMIT,
) -> None:
    """Find operator accounts, group them into operations, attribute them, list targets."""
    ws = Workspace.resolve(home)
    budget = resolve_memory_budget(memory_limit)
    checker = workspace_link_checker(ws, link_engine)
    with progress() as p:
        result, info = detect_workspace(
            ws,
            engine=engine,
            indicator_files=indicators,
            checker=checker,
            threads=threads,
            memory=budget,
            progress=p,
        )
    ops = result.operations
    table = Table(title=f"operations ({len(ops)})")
    for col in ("operation", "firm", "confidence", "accounts", "targets", "phases"):
        table.add_column(col)
    for r in ops.itertuples(index=False):
        table.add_row(
            str(r.operation_id),
            str(r.firm),
            f"{r.confidence:.2f}",
            str(r.n_accounts),
            str(r.n_targets),
            str(r.phases),
        )
    out.print(table)
    tg = result.targets
    rank = {ph.value: ph.rank for ph in Phase}
    best = (
        tg.assign(r=tg["phase"].map(rank))
        .sort_values("r", ascending=False)
        .drop_duplicates("target_id")
        if len(tg)
        else tg
    )
    per_phase = best.groupby("phase")["target_id"].nunique().to_dict() if len(tg) else {}
    per_country: dict[str, int] = {}
    if len(tg):
        top = best.groupby("country")["target_id"].nunique().sort_values(ascending=False)
        per_country = {str(k): int(v) for k, v in top.head(10).items()}
    flagged = int(result.accounts["flagged"].sum()) if len(result.accounts) else 0
    out.print(
        f"{flagged} operator accounts in {len(ops)} operations; "
        f"{tg['target_id'].nunique() if len(tg) else 0} targeted accounts"
    )
    out.print(
        "targets per highest phase reached: "
        + (", ".join(f"{k} {v}" for k, v in sorted(per_phase.items())) or "none")
    )
    out.print(
        "targets per country (top 10): "
        + (", ".join(f"{k} {v}" for k, v in dict(per_country).items()) or "none")
    )
    err.print(
        f"[dim]{info.n_events:,} events in {info.seconds:.1f} s on {info.engine}; "
        f"results in {ws.results_dir}[/]"
    )
    if info.memory_limit:
        err.print(f"[dim]{info.memory_limit}[/]", highlight=False)


@app.command(name="evaluate")
def evaluate_cmd(
    truth: Path = TRUTH,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    home: Path | None = HOME,
) -> None:
    """Compare the workspace's detection results with simulator ground truth."""
    ev = evaluate(Workspace.resolve(home), truth)
    if as_json:
        out.print_json(json.dumps(asdict(ev)))
        return
    table = Table(title="detection vs ground truth")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in asdict(ev).items():
        if k not in ("per_firm", "per_confounder"):
            table.add_row(k, str(v))
    out.print(table)
    firms = Table(title="per firm")
    for col in (
        "firm",
        "operators",
        "detected",
        "recall",
        "ops",
        "found",
        "attributed",
        "whole",
    ):
        firms.add_column(col)
    for firm, s in ev.per_firm.items():
        firms.add_row(
            firm,
            str(s.operators),
            str(s.detected),
            f"{s.recall:.3f}",
            str(s.operations),
            str(s.operations_found),
            str(s.operations_attributed),
            str(s.operations_whole),
        )
    out.print(firms)
    kinds = Table(title="benign confounders per kind")
    for col in ("kind", "accounts", "flagged", "FPR"):
        kinds.add_column(col)
    for kind, c in ev.per_confounder.items():
        kinds.add_row(kind, str(c.accounts), str(c.flagged), f"{c.fpr:.2%}")
    out.print(kinds)
