"""``counterspy report``: the published threat report (HTML, Markdown, indicator CSV)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.console import HOME, err, out, progress
from counterspy.cli.main import app
from counterspy.errors import CounterspyError
from counterspy.report import build_report, write_report
from counterspy.report.aggregate import DEFAULT_K
from counterspy.share.tlp import Tlp
from counterspy.share.tlp_policy import load_policy
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace


def _date(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CounterspyError(
            f"--date {text!r} is not a date", hint="use YYYY-MM-DD, e.g. 2021-12-16"
        ) from None


@app.command("report")
def report(
    out_dir: Path = typer.Option(..., "--out", help="Folder to create for the report."),
    tlp: str = typer.Option(
        "clear", "--tlp", help="Edition: clear (public), green, amber, amber+strict or red."
    ),
    k_min: int = typer.Option(
        DEFAULT_K, "--k-min", min=2, help="Counts of people below this are shown as <k."
    ),
    on_date: str | None = typer.Option(
        None, "--date", help="Publication date printed on the report (default: today, UTC)."
    ),
    tlp_policy: Path | None = typer.Option(
        None, "--tlp-policy", help="Extra YAML of indicator source → TLP level (docs/report.md)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out folder."),
    home: Path | None = HOME,
) -> None:
    """Write the threat report: index.html, report.md and indicators.csv in --out."""
    level = Tlp.parse(tlp)
    published = _date(on_date)
    if out_dir.exists() and not force:
        raise CounterspyError(
            f"{out_dir} already exists", hint="choose a new folder, or pass --force to replace it"
        )
    ws = Workspace.resolve(home)
    policy = load_policy(ws, tlp_policy)
    store = open_store(ws)
    try:
        with progress() as p, store.session() as s:
            result = build_report(
                ws, s, tlp=level, k_min=k_min, generated=published, policy=policy, progress=p
            )
            p.begin("rendering HTML, Markdown and CSV", None)
            written = write_report(result, out_dir, force=force)
    finally:
        store.dispose()
    t = result.totals
    table = Table("firm", "operations", "accounts detected", "removed", "targets", "countries")
    for sec in (*result.sections, *((result.unattributed,) if result.unattributed else ())):
        table.add_row(
            sec.name,
            str(sec.operations),
            f"{sec.accounts_detected:,}",
            f"{sec.accounts_removed:,}",
            sec.targets.text,
            str(sec.countries),
        )
    err.print(table)
    out.print(
        f"{level.label} report in {written.out}: {t.firms} firms, {t.operations} operations, "
        f"{t.accounts_removed:,} of {t.accounts_detected:,} operator accounts removed, "
        f"{t.targets.text} targets in {t.countries} countries, {t.indicators} indicators"
        + (
            f" ({result.withheld_indicators} withheld above {level.label})"
            if result.withheld_indicators
            else ""
        )
    )
