"""CLI: ``counterspy intel``, ``counterspy block``, ``counterspy verdict``, ``counterspy serve``."""

from __future__ import annotations

import getpass
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from counterspy.cli.console import err, out, progress
from counterspy.cli.main import app
from counterspy.errors import CounterspyError, InputError
from counterspy.workspace import Workspace

intel_app = typer.Typer(
    help="Indicators of compromise: import, list, statistics.", no_args_is_help=True
)
block_app = typer.Typer(
    help="The platform's own blocklist of domains, URLs, IPs and CIDRs.", no_args_is_help=True
)
app.add_typer(intel_app, name="intel")
app.add_typer(block_app, name="block")

HOME_HELP = "Workspace folder (default $COUNTERSPY_HOME, else ./counterspy-home)."


def _workspace(home: Path | None) -> Workspace:
    return Workspace.resolve(home)


@intel_app.command("import")
def intel_import(
    files: Annotated[
        list[Path], typer.Argument(help="Indicator files (format detected per file).")
    ],
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Source name recorded as provenance (default: per format, "
            "e.g. meta-threat-research).",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Force a format (see `intel formats`).")
    ] = None,
    join_split: Annotated[
        bool,
        typer.Option(
            "--join-split",
            help="Accept the repair of a value split over two rows (imports the joined value).",
        ),
    ] = False,
) -> None:
    """Import indicator files: all of them, or nothing when any row is malformed."""
    from counterspy.intel.importer import prepare_import
    from counterspy.intel.store import apply_import
    from counterspy.storage.open import open_store

    with progress() as p:
        plan = prepare_import(files, source=source, fmt=fmt, join_split=join_split, progress=p)
    store = open_store(_workspace(home))
    try:
        summary = apply_import(store, plan)
    finally:
        store.dispose()
    for note in summary.notes:
        err.print(f"[yellow]note:[/] {note}", markup=True)
    types = ", ".join(f"{n} {t}" for t, n in summary.by_type)
    out.print(
        f"imported {summary.indicators} indicators ({types}) from {summary.files} file(s) "
        f"[{', '.join(summary.formats)}]: {summary.inserted} new, {summary.updated} already "
        f"known; {summary.techniques} kill-chain techniques",
        markup=False,
    )


@intel_app.command("formats")
def intel_formats() -> None:
    """List the indicator file formats the importer understands."""
    from counterspy.intel.formats import SNIFF_ORDER, load_readers

    readers = load_readers()
    for name in SNIFF_ORDER:
        out.print(f"{name:14} {readers[name].description}")


@intel_app.command("list")
def intel_list(
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="Only this type (domain, url, ip, ...).")
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this actor (e.g. cytrox).")
    ] = None,
    contains: Annotated[
        str | None, typer.Option("--contains", help="Normalised value contains.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List stored indicators with their provenance."""
    from counterspy.intel.store import list_indicators
    from counterspy.storage.open import open_store

    store = open_store(_workspace(home))
    try:
        rows = list_indicators(
            store, type_=type_, source=source, actor=actor, contains=contains, limit=limit
        )
    finally:
        store.dispose()
    if as_json:
        for r in rows:
            out.print(json.dumps(r.__dict__), markup=False, highlight=False)
        return
    table = Table("type", "value", "source", "actor", "published", "where")
    for r in rows:
        table.add_row(
            r.type,
            r.normalized,
            r.source,
            r.actor or "",
            r.published or "",
            f"{Path(r.file).name}:{r.line}" if r.file else "",
        )
    out.print(table)
    err.print(f"{len(rows)} indicator(s) shown (limit {limit})")


@intel_app.command("stats")
def intel_stats(
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Counts of indicators by type, source and actor, plus blocklist and technique counts."""
    from counterspy.intel.store import stats
    from counterspy.storage.open import open_store

    store = open_store(_workspace(home))
    try:
        s = stats(store)
    finally:
        store.dispose()
    for title, rows in (("type", s.by_type), ("source", s.by_source), ("actor", s.by_actor)):
        table = Table(title, "indicators")
        for k, n in rows:
            table.add_row(k, str(n))
        out.print(table)
    out.print(
        f"{s.indicators} indicators, {s.blocklist} blocklist entries, {s.techniques} "
        f"kill-chain techniques; intelligence version {s.version}"
    )


def _parse_expiry(text: str | None) -> datetime | None:
    if text is None:
        return None
    m = re.fullmatch(r"(\d+)([hd])", text.strip())
    if m:
        n = int(m.group(1))
        return datetime.now(UTC) + (timedelta(hours=n) if m.group(2) == "h" else timedelta(days=n))
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(
            f"cannot read expiry {text!r}",
            column="--expires",
            hint="use e.g. 7d, 12h or 2026-12-31",
        ) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@block_app.command("add")
def block_add(
    values: Annotated[list[str], typer.Argument(help="Domains, URLs, IPs or CIDRs to block.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept with the entry, shown in verdicts).")
    ],
    added_by: Annotated[
        str | None, typer.Option("--by", help="Analyst name (default: login name).")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Expiry: 7d, 12h or an ISO date.")
    ] = None,
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Block values; running servers pick the change up without a restart."""
    from counterspy.intel.store import add_block
    from counterspy.storage.open import open_store

    who = added_by or getpass.getuser()
    exp = _parse_expiry(expires)
    store = open_store(_workspace(home))
    try:
        for v in values:
            b = add_block(store, v, reason=reason, added_by=who, expires=exp)
            out.print(
                f"blocked {b.type} {b.value}"
                + (f" until {b.expires:%Y-%m-%d %H:%M}" if b.expires else "")
            )
    finally:
        store.dispose()


@block_app.command("remove")
def block_remove(
    values: Annotated[list[str], typer.Argument(help="Values to unblock.")],
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Remove blocklist entries."""
    from counterspy.intel.store import remove_block
    from counterspy.storage.open import open_store

    store = open_store(_workspace(home))
    try:
        missing = []
        for v in values:
            if remove_block(store, v):
                out.print(f"unblocked {v}")
            else:
                missing.append(v)
    finally:
        store.dispose()
    if missing:
        raise CounterspyError(
            f"not on the blocklist: {', '.join(missing)}", hint="see `counterspy block list`"
        )


@block_app.command("list")
def block_list(home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None) -> None:
    """Show the blocklist."""
    from counterspy.intel.store import list_blocks
    from counterspy.storage.open import open_store

    store = open_store(_workspace(home))
    try:
        rows = list_blocks(store)
    finally:
        store.dispose()
    table = Table("type", "value", "reason", "by", "added", "expires")
    for b in rows:
        table.add_row(
            b.type,
            b.value,
            b.reason,
            b.added_by,
            f"{b.added_at:%Y-%m-%d %H:%M}",
            f"{b.expires:%Y-%m-%d %H:%M}" if b.expires else "",
        )
    out.print(table)
    err.print(f"{len(rows)} blocklist entr{'y' if len(rows) == 1 else 'ies'}")


@app.command("verdict")
def verdict_cmd(
    urls: Annotated[
        list[str], typer.Argument(help="URLs to judge, or '-' to read one per line from stdin.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line: url, verdict, reasons, actor.")
    ] = False,
    brands: Annotated[
        list[Path] | None,
        typer.Option("--brands", help="Extra brand-list file (CSV or YAML); repeatable."),
    ] = None,
    first_seen_days: Annotated[
        int,
        typer.Option(
            "--first-seen-days",
            min=0,
            help="Domains first seen in the workspace's links within this many days are "
            "suspicious (0: off; needs `intel first-seen`).",
        ),
    ] = 7,
    first_seen_max_senders: Annotated[
        int,
        typer.Option(
            "--first-seen-max-senders",
            min=1,
            help="...unless more accounts than this sent them.",
        ),
    ] = 5,
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Judge links: malicious (indicator/blocklist), suspicious (lookalike, shortener, new
    domain), clean."""
    from counterspy.api.verdicts import verdict_json
    from counterspy.infra.firstseen import FirstSeenPolicy
    from counterspy.infra.service import VerdictService

    items = [u.rstrip("\r\n") for u in sys.stdin] if urls == ["-"] else urls
    items = [u for u in items if u.strip()]
    policy = (
        FirstSeenPolicy(timedelta(days=first_seen_days), first_seen_max_senders)
        if first_seen_days
        else None
    )
    svc = VerdictService(_workspace(home), extra_brand_files=brands or [], first_seen_policy=policy)
    try:
        verdicts = svc.engine().check_many(items)
    finally:
        svc.close()
    counts = {"malicious": 0, "suspicious": 0, "clean": 0}
    for v in verdicts:
        counts[v.label.value] += 1
        if as_json:
            d = verdict_json(v)
            sys.stdout.write(
                json.dumps({k: d[k] for k in ("url", "verdict", "reasons", "actor", "domain")})
                + "\n"
            )
        else:
            style = {"malicious": "bold red", "suspicious": "yellow", "clean": "green"}[
                v.label.value
            ]
            out.print(f"[{style}]{v.label.value:10}[/] {v.url[:200]}", markup=True)
            for r in v.reasons:
                out.print(f"           {r.code}: {r.detail}", markup=False)
    err.print(
        f"{len(verdicts)} URL(s): {counts['malicious']} malicious, "
        f"{counts['suspicious']} suspicious, {counts['clean']} clean"
    )


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8080,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes (one per core is typical).")
    ] = 1,
    home: Annotated[Path | None, typer.Option("--home", help=HOME_HELP)] = None,
) -> None:
    """Run the HTTP API (POST /v1/verdicts, ...) with uvicorn."""
    import os

    import uvicorn

    from counterspy.storage.open import open_store
    from counterspy.workspace import HOME_ENV

    ws = _workspace(home)
    open_store(ws).dispose()  # migrate once here, not racing in every worker process
    err.print(f"serving workspace {ws.home} on http://{host}:{port} ({workers} worker(s))")
    os.environ[HOME_ENV] = str(ws.home)  # each worker process builds its app from it
    uvicorn.run(
        "counterspy.api.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )
