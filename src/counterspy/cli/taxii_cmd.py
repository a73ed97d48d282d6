"""CLI: TAXII 2.1 collections (``counterspy share collections``), ``counterspy share publish``
and ``counterspy share pull``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out, progress
from counterspy.cli.share_group import share_app
from counterspy.share import collections as coll
from counterspy.share.publish import publish as publish_objects
from counterspy.share.publish import read_bundle
from counterspy.share.stix_time import format_timestamp
from counterspy.share.tlp import Tlp
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

collections_app = typer.Typer(
    help="TAXII collections served by `counterspy serve` and which partners may read them.",
    no_args_is_help=True,
)
share_app.add_typer(collections_app, name="collections")

COLLECTION = typer.Option(..., "--collection", help="Collection id or alias.")
REASON = typer.Option("", "--reason", help="Why (recorded in the audit log).")


@collections_app.command("add")
def collections_add(
    title: str = typer.Argument(..., help="Title partners see."),
    max_tlp: str = typer.Option(
        ..., "--max-tlp", help="TLP ceiling: clear, green, amber or amber+strict (never red)."
    ),
    alias: str | None = typer.Option(None, "--alias", help="Short unique name (a-z, 0-9, .-_)."),
    description: str = typer.Option("", "--description", help="Description partners see."),
    home: Path | None = HOME,
) -> None:
    """Create a TAXII collection with a TLP ceiling."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        info = coll.create_collection(
            s,
            title=title,
            max_tlp=Tlp.parse(max_tlp),
            alias=alias,
            description=description,
            actor=cli_actor(),
        )
    out.print(info.id)
    err.print(
        f"created collection {info.title!r} ({info.max_tlp.label}); next: "
        f"`counterspy share collections grant {info.alias or info.id} ORGANISATION`"
    )


@collections_app.command("list")
def collections_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    home: Path | None = HOME,
) -> None:
    """List collections with their ceiling, entitled organisations and object count."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = coll.list_collections(s)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "alias": r.alias,
                        "title": r.title,
                        "max_tlp": r.max_tlp.value,
                        "organisations": list(r.organisations),
                        "objects": r.objects,
                    }
                    for r in rows
                ]
            )
        )
        return
    table = Table("id", "alias", "title", "max TLP", "organisations", "object versions")
    for r in rows:
        table.add_row(
            r.id,
            r.alias or "",
            r.title,
            r.max_tlp.label,
            ", ".join(r.organisations),
            str(r.objects),
        )
    out.print(table)
    err.print(f"{len(rows)} collection(s)")


@collections_app.command("grant")
def collections_grant(
    collection: str = typer.Argument(..., help="Collection id or alias."),
    organisation: str = typer.Argument(..., help="Partner organisation (as on its users)."),
    reason: str = REASON,
    home: Path | None = HOME,
) -> None:
    """Let a partner organisation read a collection."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        changed = coll.grant(
            s, key=collection, organisation=organisation, actor=cli_actor(), reason=reason
        )
    verb = "may now read" if changed else "could already read"
    out.print(f"{organisation} {verb} {collection}")
    with store.session() as s:
        if not coll.organisation_has_partners(s, organisation):
            err.print(
                f"note: no partner user acts for {organisation!r} yet (names must match "
                "exactly); add one with `counterspy users add NAME --role partner "
                f"--organisation {organisation}`"
            )


@collections_app.command("revoke")
def collections_revoke(
    collection: str = typer.Argument(..., help="Collection id or alias."),
    organisation: str = typer.Argument(..., help="Partner organisation."),
    reason: str = REASON,
    home: Path | None = HOME,
) -> None:
    """Stop a partner organisation reading a collection."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        changed = coll.revoke(
            s, key=collection, organisation=organisation, actor=cli_actor(), reason=reason
        )
    out.print(
        f"{organisation} {'may no longer read' if changed else 'had no access to'} {collection}"
    )


@share_app.command("publish")
def publish(
    bundle: Path = typer.Argument(..., help="STIX 2.1 bundle (or JSON list of objects)."),
    collection: str = COLLECTION,
    drop_above: bool = typer.Option(
        False,
        "--drop-above",
        help="Leave out objects marked above the collection's TLP (default: refuse the file).",
    ),
    home: Path | None = HOME,
) -> None:
    """Add a bundle's objects to a TAXII collection, all or nothing, behind its TLP gate."""
    objects = read_bundle(bundle)
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        summary = publish_objects(
            s,
            key=collection,
            objects=objects,
            actor=cli_actor(),
            drop_above=drop_above,
            source=str(bundle),
        )
    by_tlp = ", ".join(f"{n} {Tlp(t).label}" for t, n in summary.by_tlp) or "none"
    out.print(
        f"published {summary.added} new object version(s) to {summary.collection_id}; "
        f"{summary.unchanged} already there; {summary.dropped_above_tlp} dropped above the "
        f"collection's TLP (kept: {by_tlp})"
    )
    if summary.last_added is not None:
        err.print(f"date_added up to {format_timestamp(summary.last_added)}")


@share_app.command("pull")
def pull(
    url: str = typer.Argument(..., help="API root URL of the TAXII 2.1 server."),
    collection: str = typer.Option(..., "--collection", help="Remote collection id."),
    token: str = typer.Option(
        ...,
        "--token",
        envvar="COUNTERSPY_TAXII_TOKEN",
        help="API token for the remote server (or $COUNTERSPY_TAXII_TOKEN).",
    ),
    user: str | None = typer.Option(
        None, "--user", help="Send HTTP Basic auth with this user name and the token as password."
    ),
    page_size: int = typer.Option(
        1000, "--page-size", min=1, max=10_000, help="Objects asked for per request."
    ),
    from_start: bool = typer.Option(
        False, "--from-start", help="Ignore the stored checkpoint and pull everything again."
    ),
    home: Path | None = HOME,
) -> None:
    """Pull new objects from a remote TAXII collection into the intel store (resumable)."""
    from counterspy.share.pull import CapturingAuth
    from counterspy.share.pull import pull as run_pull

    store = open_store(Workspace.resolve(home))
    with progress() as prog:
        summary = run_pull(
            store,
            api_root=url,
            collection_id=collection,
            auth=CapturingAuth(token, user),
            actor=cli_actor(),
            per_request=page_size,
            from_start=from_start,
            progress=prog,
        )
    for note in summary.notes:
        err.print(f"note: {note}")
    out.print(
        f"pulled {summary.objects} object version(s) in {summary.pages} page(s) "
        f"({summary.new_objects} new); {summary.indicators_new} new indicator(s) of "
        f"{summary.indicators} from source {summary.source}"
        + (f"; {summary.bad_values} unusable value(s) skipped" if summary.bad_values else "")
    )
    err.print(
        f"checkpoint: added_after {summary.checkpoint_before or '(start)'} -> "
        f"{summary.checkpoint_after or '(start)'}"
    )


@share_app.command("pulls")
def pulls(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    home: Path | None = HOME,
) -> None:
    """List the TAXII collections pulled from, with their checkpoints."""
    from counterspy.share.pull import list_checkpoints

    rows = list_checkpoints(open_store(Workspace.resolve(home)))
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "api_root": r.api_root,
                        "collection": r.collection_id,
                        "added_after": r.added_after,
                        "objects": r.objects,
                        "pulls": r.pulls,
                        "updated_at": r.updated_at.isoformat(),
                    }
                    for r in rows
                ]
            )
        )
        return
    table = Table("API root", "collection", "added_after", "objects", "pulls", "last pull")
    for r in rows:
        table.add_row(
            r.api_root,
            r.collection_id,
            r.added_after or "(start)",
            str(r.objects),
            str(r.pulls),
            r.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    out.print(table)
    err.print(f"{len(rows)} source(s)")


@share_app.command("access")
def access(
    days: int = typer.Option(30, "--days", min=1, max=3660, help="How many days back."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    home: Path | None = HOME,
) -> None:
    """What partner users read over TAXII, per day and collection."""
    from counterspy.share.access import list_access

    rows = list_access(open_store(Workspace.resolve(home)), days=days)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "day": r.day,
                        "user": r.user,
                        "organisation": r.organisation,
                        "collection": r.collection_id,
                        "requests": r.requests,
                        "objects": r.objects,
                        "first_at": r.first_at.isoformat(),
                        "last_at": r.last_at.isoformat(),
                    }
                    for r in rows
                ]
            )
        )
        return
    table = Table("day", "organisation", "user", "collection", "requests", "objects", "last")
    for r in rows:
        table.add_row(
            r.day,
            r.organisation,
            r.user,
            r.collection_id,
            str(r.requests),
            str(r.objects),
            r.last_at.strftime("%H:%M:%S"),
        )
    out.print(table)
    err.print(f"{len(rows)} row(s) over the last {days} day(s)")
