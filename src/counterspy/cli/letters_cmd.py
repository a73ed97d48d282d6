"""``counterspy letters``: cease-and-desist letters to banned entities."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out
from counterspy.cli.main import app
from counterspy.enforce import letters, registry
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

letters_app = typer.Typer(
    help="Cease-and-desist letters: draft (HTML + PDF), mark sent, mark acknowledged.",
    no_args_is_help=True,
)
app.add_typer(letters_app, name="letters")


@letters_app.command("draft")
def draft(
    entity_id: str = typer.Argument(..., help="Banned entity id (see `counterspy entities list`)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for the HTML and PDF."),
    platform: str = typer.Option(..., "--platform", help="Your platform's name, as sender."),
    signatory: str = typer.Option(..., "--signatory", help="Who signs the letter."),
    batch: list[str] = typer.Option([], "--batch", help="Enforcement batch for the annex."),
    domain: list[str] = typer.Option([], "--domain", help="Extra blocked domain for the annex."),
    template: str = typer.Option("cease-desist", "--template", help="Template id."),
    reply_days: int = typer.Option(14, "--reply-days", min=1, max=365, help="Days to reply."),
    home: Path | None = HOME,
) -> None:
    """Render a letter (newest template version) with its evidence annex and record it."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        registry.ensure_seeded(s, actor=cli_actor())
        result = letters.draft_letter(
            s,
            entity_id=entity_id,
            out_dir=out_dir,
            actor=cli_actor(),
            platform=platform,
            signatory=signatory,
            batches=batch,
            domains=domain,
            template_id=template,
            reply_days=reply_days,
        )
    info = result.info
    out.print(
        f"drafted {info.id} ({info.template_id} v{info.template_version}) to {info.addressee}"
    )
    err.print(f"  {result.html_path}\n  {result.pdf_path}")
    err.print(
        f"annex: {result.annex.accounts_disabled} accounts, {len(result.annex.domains)} domains"
    )


@letters_app.command("mark-sent")
def mark_sent(
    letter_id: str = typer.Argument(..., help="Letter reference, e.g. CD-cytrox-20260101-1."),
    via: str = typer.Option(..., "--via", help="How it was sent (courier, counsel, email)."),
    note: str = typer.Option("", "--note", help="For the audit log."),
    home: Path | None = HOME,
) -> None:
    """Record that a drafted letter was sent."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        info = letters.mark_sent(s, letter_id, via=via, actor=cli_actor(), note=note)
    out.print(f"{info.id} sent via {info.sent_via}")


@letters_app.command("mark-acknowledged")
def mark_acknowledged(
    letter_id: str = typer.Argument(..., help="Letter reference."),
    note: str = typer.Option("", "--note", help="What the reply said, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Record that the addressee acknowledged a sent letter."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        info = letters.mark_acknowledged(s, letter_id, actor=cli_actor(), note=note)
    out.print(f"{info.id} acknowledged")


@letters_app.command("list")
def list_(
    entity: str | None = typer.Option(None, "--entity", help="Only letters to this entity."),
    home: Path | None = HOME,
) -> None:
    """List letters with template version and status."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = letters.list_letters(s, entity_id=entity)
    table = Table("reference", "entity", "template", "status", "drafted", "sent", "acknowledged")
    for r in rows:
        table.add_row(
            r.id,
            r.entity_id,
            f"{r.template_id} v{r.template_version}",
            r.status,
            r.drafted_at.strftime("%Y-%m-%d"),
            r.sent_at.strftime("%Y-%m-%d") if r.sent_at else "",
            r.acknowledged_at.strftime("%Y-%m-%d") if r.acknowledged_at else "",
        )
    out.print(table)
    err.print(f"{len(rows)} letter(s)")
