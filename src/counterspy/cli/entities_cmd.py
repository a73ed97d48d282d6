"""``counterspy entities``: the entity ban registry and name screening."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out
from counterspy.cli.main import app
from counterspy.enforce import registry
from counterspy.enforce.entities import Alias, AliasKind, BanBasis
from counterspy.enforce.screening import POSSIBLE_THRESHOLD, Band, Screener
from counterspy.errors import InputError
from counterspy.model.firms import FirmId
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

entities_app = typer.Typer(
    help="Banned firms (aliases, legal entities) and screening of names against them.",
    no_args_is_help=True,
)
app.add_typer(entities_app, name="entities")


@entities_app.command("seed")
def seed(home: Path | None = HOME) -> None:
    """Add the bundled public seed (Meta's seven firms, designated entities) if missing."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        added = registry.seed_registry(s, actor=cli_actor())
    out.print(f"added {len(added)} entit{'y' if len(added) == 1 else 'ies'}: {', '.join(added)}")


@entities_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    home: Path | None = HOME,
) -> None:
    """List banned entities with their aliases and sources (seeds an empty registry)."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        registry.ensure_seeded(s, actor=cli_actor())
        rows = registry.list_entities(s)
    if as_json:
        out.print_json(json.dumps([asdict(e) for e in rows], default=str))
        return
    table = Table("id", "name", "basis", "status", "aliases", "source")
    for e in rows:
        table.add_row(
            e.id,
            e.name or "(unnamed)",
            e.basis.value,
            "banned" if e.active else "lifted",
            "\n".join(f"{a.name} [{a.kind.value}]" for a in e.aliases),
            e.source,
        )
    out.print(table)
    err.print(f"{len(rows)} entities, {sum(e.active for e in rows)} banned")


@entities_app.command("add")
def add(
    entity_id: str = typer.Argument(..., help="Stable id: lower-case letters, digits, _."),
    name: str = typer.Option(..., "--name", help="Name the firm trades under."),
    legal: list[str] = typer.Option([], "--legal", help="A registered legal entity (repeat)."),
    alias: list[str] = typer.Option([], "--alias", help="Another name or spelling (repeat)."),
    firm: FirmId | None = typer.Option(None, "--firm", help="Firm id if one of the seven."),
    country: str | None = typer.Option(None, "--country", help="ISO 3166 alpha-2 code."),
    source: str = typer.Option(..., "--source", help="Where the facts come from."),
    reason: str = typer.Option(..., "--reason", help="Why it is banned, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Ban a new entity."""
    aliases = [Alias(n, AliasKind.LEGAL, source) for n in legal]
    aliases += [Alias(n, AliasKind.OTHER, source) for n in alias]
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        registry.ensure_seeded(s, actor=cli_actor())
        e = registry.add_entity(
            s,
            entity_id=entity_id,
            name=name,
            aliases=aliases,
            firm=firm,
            country=country,
            basis=BanBasis.INVESTIGATION,
            source=source,
            reason=reason,
            actor=cli_actor(),
        )
    out.print(f"banned {e.id} ({e.name}) with {len(e.aliases)} alias(es)")


@entities_app.command("alias")
def add_alias(
    entity_id: str = typer.Argument(..., help="Entity id."),
    name: str = typer.Argument(..., help="The alias."),
    kind: AliasKind = typer.Option(AliasKind.OTHER, "--kind", help="Kind of alias."),
    source: str = typer.Option(..., "--source", help="Where the alias is documented."),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Add an alias or legal entity to a banned entity."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        registry.ensure_seeded(s, actor=cli_actor())
        e = registry.add_alias(
            s,
            entity_id=entity_id,
            name=name,
            kind=kind,
            source=source,
            reason=reason,
            actor=cli_actor(),
        )
    out.print(f"{e.id} now has {len(e.aliases)} alias(es)")


@entities_app.command("lift")
def lift(
    entity_id: str = typer.Argument(..., help="Entity id."),
    reason: str = typer.Option(..., "--reason", help="Why the ban is lifted."),
    home: Path | None = HOME,
) -> None:
    """Lift a ban: the entity stays on record but is no longer screened."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        registry.ensure_seeded(s, actor=cli_actor())
        registry.lift_ban(s, entity_id=entity_id, reason=reason, actor=cli_actor())
    out.print(f"lifted the ban on {entity_id}")


def _read_names(names: list[str], from_file: Path | None) -> list[str]:
    out_names = list(names)
    if from_file is not None:
        try:
            text = from_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read names: {exc}", file=str(from_file)) from exc
        out_names += [line.strip() for line in text.splitlines() if line.strip()]
    if not out_names:
        raise InputError("no names to screen", hint="pass NAME arguments or --from-file FILE")
    return out_names


@entities_app.command("screen")
def screen_cmd(
    names: list[str] = typer.Argument(None, help="Account, page or business names."),
    from_file: Path | None = typer.Option(None, "--from-file", help="One name a line."),
    min_score: float = typer.Option(
        POSSIBLE_THRESHOLD, "--min-score", min=0.0, max=1.0, help="Show candidates from here."
    ),
    explain: bool = typer.Option(False, "--explain", help="Show word pairs and normalisations."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines, one per match."),
    home: Path | None = HOME,
) -> None:
    """Screen names against the active bans; exit code 1 when any name matches."""
    queries = _read_names(names or [], from_file)
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        registry.ensure_seeded(s, actor=cli_actor())
        entities = registry.list_entities(s, include_lifted=False)
    screener = Screener(entities, possible_threshold=min_score)
    table = Table("name", "band", "score", "entity", "matched alias", "why")
    matched = 0
    for q in queries:
        results = screener.screen(q)
        matched += any(m.band == Band.MATCH for m in results)
        for m in results:
            if as_json:
                out.print(json.dumps(asdict(m), ensure_ascii=False), soft_wrap=True)
                continue
            pairs = ", ".join(
                f"{t.query}~{t.alias} {t.similarity:.2f} ({t.via})" for t in m.tokens if t.query
            )
            why = m.explain() if explain else pairs
            table.add_row(q, m.band.value, f"{m.score:.2f}", m.entity_id, m.alias, why)
        if not results and not as_json:
            table.add_row(q, "-", "", "", "", "no candidate")
    if not as_json:
        out.print(table)
    err.print(f"screened {len(queries)} name(s): {matched} matched a banned entity")
    if matched:
        raise typer.Exit(1)
