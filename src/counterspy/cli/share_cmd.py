"""CLI: ``counterspy share export`` and ``counterspy share import``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from counterspy.cli.console import err, out, progress
from counterspy.cli.share_group import share_app
from counterspy.workspace import Workspace

HOME_HELP = "Workspace folder (default $COUNTERSPY_HOME, else ./counterspy-home)."


@share_app.command("export")
def share_export(
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="Export format: stix, misp or meta-csv.")
    ] = "stix",
    tlp: Annotated[
        str,
        typer.Option(
            "--tlp",
            help="Ceiling of the export: nothing marked above this TLP level is written "
            "(clear, green, amber, amber+strict, red).",
        ),
    ] = "amber",
    default_tlp: Annotated[
        str,
        typer.Option(
            "--default-tlp",
            envvar="COUNTERSPY_DEFAULT_TLP",
            help="TLP level of findings and indicators that carry none of their own "
            "(also $COUNTERSPY_DEFAULT_TLP).",
        ),
    ] = "amber",
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="STIX profile: strict (validates as STIX 2.1) or mvt (keeps MVT-only paths).",
        ),
    ] = "strict",
    k: Annotated[
        int,
        typer.Option(
            "--k", min=2, help="Smallest target group a count may describe (k-anonymity)."
        ),
    ] = 5,
    producer: Annotated[
        str, typer.Option("--producer", help="Name of the publishing organisation.")
    ] = "counterspy",
    indicators_only: Annotated[
        bool,
        typer.Option("--indicators-only", help="Only the intel store's indicators, no detections."),
    ] = False,
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Export findings (firms, operations, indicators, sightings, target counts) to a file."""
    from counterspy.share.collect import CollectOptions, collect_findings
    from counterspy.share.findings import Producer
    from counterspy.share.tlp import Tlp
    from counterspy.share.writers import writer
    from counterspy.storage.open import open_store

    w = writer(fmt)
    ceiling, default = Tlp.parse(tlp), Tlp.parse(default_tlp)
    ws = Workspace.resolve(home)
    options = CollectOptions(
        default_tlp=default,
        k=k,
        producer=Producer(producer),
        include_results=not indicators_only,
    )
    with progress() as p:
        p.begin("collecting findings", None)
        store = open_store(ws)
        try:
            findings = collect_findings(ws, store, options)
        finally:
            store.dispose()
        p.begin(f"writing {w.name}", None)
        result = w.write(findings, tlp=ceiling, profile=profile)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(result.text, encoding="utf-8")
    table = Table(title=f"{out_file} ({w.name}, {ceiling.label}, profile {profile})")
    table.add_column("written")
    table.add_column("count", justify="right")
    for kind, n in result.counts:
        table.add_row(kind, str(n))
    out.print(table)
    for kind, n in result.gate.dropped:
        err.print(f"held back by the {ceiling.label} ceiling: {n} {kind}", markup=False)
    for why, n in result.skipped:
        err.print(f"left out: {n} indicators ({why})", markup=False)


@share_app.command("import")
def share_import(
    files: Annotated[list[Path], typer.Argument(help="STIX 2.1, MISP JSON or Meta CSV files.")],
    tlp: Annotated[
        str,
        typer.Option("--tlp", help="TLP level for indicators whose file carries no marking."),
    ] = "amber",
    source: Annotated[
        str | None, typer.Option("--source", help="Source name recorded as provenance.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force an indicator format (`intel formats`).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Read and check the files, show what would be imported."),
    ] = False,
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Import shared indicator files into the intel store (all of them, or nothing)."""
    from counterspy.share.importing import import_shared, plan_indicators, prepare_shared
    from counterspy.share.tlp import Tlp
    from counterspy.storage.open import open_store

    level = Tlp.parse(tlp)
    if dry_run:
        with progress() as p:
            plan = prepare_shared(files, default_tlp=level, source=source, fmt=fmt, progress=p)
        found = plan_indicators(plan, level)
        table = Table(title=f"would import {len(found)} indicators (dry run, nothing written)")
        for col in ("type", "TLP", "count"):
            table.add_column(col)
        tally = Counter((i.kind, i.tlp.label) for i in found)
        for (kind, label), n in sorted(tally.items()):
            table.add_row(kind, label, str(n))
        out.print(table)
        return
    store = open_store(Workspace.resolve(home))
    try:
        with progress() as p:
            summary = import_shared(
                store, files, default_tlp=level, source=source, fmt=fmt, progress=p
            )
    finally:
        store.dispose()
    for note in summary.notes:
        err.print(f"note: {note}", markup=False)
    types = ", ".join(f"{n} {t}" for t, n in summary.by_type)
    out.print(
        f"imported {summary.indicators} indicators ({types}) from {summary.files} file(s) "
        f"[{', '.join(summary.formats)}]: {summary.inserted} new, {summary.updated} already known",
        markup=False,
    )
