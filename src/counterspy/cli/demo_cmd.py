"""``counterspy demo``: the whole pipeline on a simulated platform, with a readable summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.console import err, out, progress
from counterspy.cli.main import app
from counterspy.demo import DemoConfig, DemoSummary, run_demo
from counterspy.workspace import DEFAULT_HOME


@app.command()
def demo(
    home: Path = typer.Option(
        Path("demo-home"), "--home", help="Folder for the demo workspace (replaced if a demo's)."
    ),
    accounts: int = typer.Option(20_000, "--accounts", help="Simulated accounts."),
    seed: int = typer.Option(7, "--seed", help="Simulator seed."),
    stealth: int = typer.Option(2, "--stealth", help="Operator care 0..3."),
) -> None:
    """Simulate a platform, ingest it, detect, attribute, evaluate, check links, screen names."""
    with progress() as p:
        summary = run_demo(home, DemoConfig(accounts=accounts, seed=seed, stealth=stealth), p)
    _print(summary)


def _print(s: DemoSummary) -> None:
    sim = s.simulation
    out.print(
        f"[bold]1. simulated[/] {sim.accounts:,} accounts, {sim.events:,} events, "
        f"{sim.operations} planted operations of 7 firms (stealth {s.config.stealth})"
    )
    out.print(f"[bold]2. ingested[/] {s.load.rows:,} rows as load {s.load.load_id}")
    ops = Table(title=f"3. detected {len(s.operations)} operations")
    for col in ("operation", "firm", "confidence", "accounts", "targets", "phases"):
        ops.add_column(col)
    for r in s.operations.itertuples(index=False):
        ops.add_row(
            str(r.operation_id),
            str(r.firm),
            f"{r.confidence:.2f}",
            str(r.n_accounts),
            str(r.n_targets),
            str(r.phases),
        )
    out.print(ops)
    phases = ", ".join(f"{k} {v}" for k, v in sorted(s.targets_by_phase.items()))
    out.print(f"   targets by highest phase: {phases or 'none'}")
    e = s.evaluation
    out.print(
        "[bold]4. evaluated[/] against the simulator's ground truth: "
        f"operators P {e.operator_precision:.3f} R {e.operator_recall:.3f}; "
        f"targets P {e.target_precision:.3f} R {e.target_recall:.3f}; "
        f"attribution {e.attribution_accuracy:.3f}; confounder FPR {e.confounder_fpr:.4f}"
    )
    out.print("[bold]5. link verdicts[/] (no indicators loaded: lookalike rules only)")
    for v in s.verdicts:
        why = v.reasons[0].detail if v.reasons else ""
        out.print(f"   {v.label.value:<10} {v.url}  {why}", markup=False)
    out.print("[bold]6. entity screening[/] of new business names against banned firms")
    for name, m in s.screening:
        verdict = f"{m.band.value} {m.score:.2f} → {m.entity_name}" if m else "no match"
        out.print(f"   {name!r}: {verdict}", markup=False)
    n = s.enforcement
    if n.top_case is None:
        out.print("[bold]7. cases[/] none (nothing detected)")
    else:
        out.print(
            f"[bold]7. cases[/] {n.cases_opened} opened from detection; a reviewer approved "
            f"the {n.approved} accounts of case {n.top_case}; the worker delivered {n.acked} "
            "disable actions to the simulated platform"
        )
        extra = ""
        if n.disabled_more_than_once or n.unapproved_touched:
            extra = (
                f" (PROBLEM: {n.disabled_more_than_once} disabled more than once, "
                f"{n.unapproved_touched} unapproved accounts touched)"
            )
        out.print(f"   platform record: {n.disabled_once_each} accounts disabled once each{extra}")
    state = "intact" if s.audit_ok else "BROKEN"
    out.print(f"[bold]8. audit log[/] {s.audit_rows} entries, chain {state}")
    t = s.report_totals
    out.print(
        f"[bold]9. threat report[/] (TLP:CLEAR) {s.report_dir / 'index.html'}: {t.firms} firms, "
        f"{t.accounts_detected:,} operator accounts, {t.targets.text} targets in "
        f"{t.countries} countries, {t.indicators} public indicators (none before enforcement)"
    )
    counts = dict(s.share_counts)
    out.print(
        f"[bold]10. shared[/] STIX 2.1 (TLP:AMBER) {s.share_file}: "
        f"{counts.get('intrusion-set', 0)} operations, {counts.get('indicator', 0)} indicators, "
        f"{counts.get('sighting', 0)} sightings, no individual targets"
    )
    err.print(
        f"demo finished in {s.seconds:.0f} s; workspace: {s.workspace} "
        f"(try `counterspy --help`, or COUNTERSPY_HOME={s.workspace} counterspy serve). "
        f"Your own data: `counterspy ingest PATH --home {DEFAULT_HOME}`"
    )
