"""``counterspy audit``: read and verify the hash-chained audit log."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from counterspy.audit import log as audit
from counterspy.cli.console import HOME, err, out
from counterspy.cli.main import app
from counterspy.errors import InputError
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

audit_app = typer.Typer(help="Read and verify the audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

EXIT_TAMPERED = 3


def _read_anchor(path: Path) -> audit.Anchor:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return audit.Anchor(seq=int(data["seq"]), hash=str(data["hash"]))
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"not an audit anchor ({exc})",
            file=str(path),
            hint="anchors are written by `counterspy audit anchor --out FILE`",
        ) from None


@audit_app.command("verify")
def verify(
    anchor: list[Path] = typer.Option(
        [], "--anchor", help="Anchor file(s) exported earlier; each must still match."
    ),
    home: Path | None = HOME,
) -> None:
    """Recompute the hash chain; exit 3 and name every broken place if tampered."""
    anchors = tuple(_read_anchor(p) for p in anchor)
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        result = audit.verify(s, anchors)
    if result.ok:
        out.print(
            f"audit log intact: {result.rows} entries, head {result.head.seq} "
            f"{result.head.hash[:16]}, {len(anchors)} anchor(s) matched"
        )
        return
    for p in result.problems:
        out.print(f"[red]{p.kind}[/] at row {p.seq}: {p.detail}")
    err.print(f"[bold red]audit log tampered:[/] {len(result.problems)} problem(s) found")
    raise typer.Exit(EXIT_TAMPERED)


@audit_app.command("anchor")
def anchor_cmd(
    out_file: Path = typer.Option(..., "--out", help="Where to write the anchor (JSON)."),
    home: Path | None = HOME,
) -> None:
    """Export the chain's head so later truncation can be detected; keep it off this machine."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        head = audit.head(s)
    out_file.write_text(json.dumps({"seq": head.seq, "hash": head.hash}) + "\n", encoding="utf-8")
    out.print(f"anchor at row {head.seq} written to {out_file}")


@audit_app.command("log")
def log_cmd(
    subject: str | None = typer.Option(None, "--subject", help="Only entries about this id."),
    limit: int = typer.Option(50, "--limit", min=1, help="How many entries, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    home: Path | None = HOME,
) -> None:
    """Show the newest audit entries."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = audit.entries(s, subject_id=subject, limit=limit)
    if as_json:
        for e in rows:
            item = {**vars(e), "at": e.at.isoformat()}
            out.print(json.dumps(item, ensure_ascii=False), markup=False, highlight=False)
        return
    table = Table("seq", "at", "actor", "action", "subject", "reason")
    for e in rows:
        table.add_row(
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            f"{e.subject_type}:{e.subject_id}",
            e.reason,
        )
    out.print(table)
