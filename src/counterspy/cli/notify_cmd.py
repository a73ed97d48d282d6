"""``counterspy notify``: plan, approve and send target notifications."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out, progress
from counterspy.cli.main import app
from counterspy.errors import CounterspyError
from counterspy.model import Phase
from counterspy.notify import contacts as contacts_mod
from counterspy.notify import planning
from counterspy.notify.catalogs import check_catalogs
from counterspy.notify.config import contact_keys, load_config
from counterspy.notify.content import RENDERERS, compose
from counterspy.notify.helplines import helplines
from counterspy.notify.locales import SHIPPED, coverage, resolve_locale, text_direction
from counterspy.notify.outbox import ChannelStatus, channel_status
from counterspy.notify.sender import send_all
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

notify_app = typer.Typer(help="Notify targets after a takedown.", no_args_is_help=True)
contacts_app = typer.Typer(help="Encrypted contact details of targets.", no_args_is_help=True)
notify_app.add_typer(contacts_app, name="contacts")
app.add_typer(notify_app, name="notify")

REASON = typer.Option(..., "--reason", help="Why (written to the audit log).")


@notify_app.command("takedown-done")
def takedown_done(
    operation: str = typer.Argument(..., help="Operation id whose takedown is complete."),
    reason: str = REASON,
    home: Path | None = HOME,
) -> None:
    """Mark an operation's takedown complete: its targets become eligible for notices."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        new = planning.record_takedown(s, operation, actor=cli_actor(), reason=reason)
    out.print(f"takedown of {operation} {'recorded' if new else 'was already recorded'}")


@notify_app.command("plan")
def plan(home: Path | None = HOME) -> None:
    """Plan a batch: one notice per newly eligible person, awaiting a reviewer's approval."""
    ws = Workspace.resolve(home)
    store = open_store(ws)
    with store.session() as s:
        summary = planning.plan_batch(s, ws, actor=cli_actor())
    table = Table("people targeted", "eligible now", "operators", "disabled", "awaiting takedown",
                  "already notified", "countries")  # fmt: skip
    table.add_row(
        str(summary.people_seen), str(summary.notices), str(summary.operators_skipped),
        str(summary.disabled_skipped), str(summary.awaiting_takedown),
        str(summary.already_notified), str(summary.countries),
    )  # fmt: skip
    out.print(table)
    if summary.batch_id is None:
        err.print("nobody is newly eligible; no batch planned")
        return
    phases = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_phase.items()))
    top = ", ".join(f"{k} {v}" for k, v in list(summary.by_locale.items())[:8])
    out.print(f"planned batch {summary.batch_id}: {summary.notices} notices ({phases})")
    out.print(f"locales: {top}{' ...' if len(summary.by_locale) > 8 else ''}")
    if summary.without_profile:
        err.print(
            f"{summary.without_profile} people have no accounts row: English, default helpline"
        )
    err.print(
        f"next: another reviewer runs `counterspy notify approve {summary.batch_id} --reason ...`"
    )


@notify_app.command("approve")
def approve(
    batch: int = typer.Argument(..., help="Batch id."),
    reason: str = REASON,
    channel: list[str] | None = typer.Option(
        None, "--channel", help="Channel to queue (repeat; default: configured channels)."
    ),
    home: Path | None = HOME,
) -> None:
    """Approve a planned batch (the approver must not be its planner) and queue deliveries."""
    ws = Workspace.resolve(home)
    cfg = load_config(ws)
    store = open_store(ws)
    with store.session() as s:
        n = planning.approve_batch(
            s, batch, actor=cli_actor(), reason=reason, channels=tuple(channel or cfg.channels)
        )
    out.print(f"approved batch {batch}: {n} deliveries queued")
    err.print("next: `counterspy notify send`")


@notify_app.command("reject")
def reject(batch: int = typer.Argument(..., help="Batch id."), reason: str = REASON,
           home: Path | None = HOME) -> None:  # fmt: skip
    """Reject a planned batch; its people can be planned again later."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        n = planning.reject_batch(s, batch, actor=cli_actor(), reason=reason)
    out.print(f"rejected batch {batch}; {n} notices dropped")


@notify_app.command("batches")
def batches(home: Path | None = HOME) -> None:
    """List batches with their status and delivery counts."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = planning.list_batches(s)
    table = Table("batch", "status", "notices", "planned by", "decided by", "deliveries")
    for b in rows:
        d = "; ".join(
            f"{ch}: " + ", ".join(f"{k} {v}" for k, v in sorted(st.items()))
            for ch, st in sorted(b.deliveries.items())
        )
        table.add_row(str(b.id), b.status, str(b.notices), b.planned_by, b.decided_by or "", d)
    out.print(table)
    err.print(f"{len(rows)} batch(es)")


@notify_app.command("status")
def status(home: Path | None = HOME) -> None:
    """Delivery counts per channel: ready, backing off, claimed, sent, unconfirmed, failed."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = channel_status(s)
    _print_status(rows)


def _print_status(rows: list[ChannelStatus]) -> None:
    table = Table("channel", "ready", "backing off", "claimed", "sent", "unconfirmed", "failed")
    for r in rows:
        table.add_row(r.channel, *(str(x) for x in (r.pending, r.backing_off, r.sending, r.sent,
                                                    r.unconfirmed, r.failed)))  # fmt: skip
    out.print(table)


@notify_app.command("send")
def send(
    channel: list[str] | None = typer.Option(
        None, "--channel", help="Only this channel (repeat; default: configured channels)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many."),
    lease_seconds: float | None = typer.Option(
        None, "--lease-seconds", min=0.1, help="How long a claim lasts before others may take it."
    ),
    home: Path | None = HOME,
) -> None:
    """Deliver queued notices; safe to re-run or run after a crash (never twice, none lost)."""
    ws = Workspace.resolve(home)
    cfg = load_config(ws)
    if lease_seconds is not None:
        cfg = cfg.model_copy(update={"lease_seconds": lease_seconds})
    store = open_store(ws)
    with progress() as p:
        summary = asyncio.run(
            send_all(
                store, cfg, channels=tuple(channel) if channel else None, limit=limit, progress=p
            )
        )
    table = Table(
        "channel", "sent", "retry later", "failed", "skipped", "lost claim", "unconfirmed"
    )
    for ch, st in summary.by_channel.items():
        table.add_row(ch, *(str(x) for x in (st.sent, st.retry, st.failed, st.skipped, st.fenced,
                                             st.unconfirmed)))  # fmt: skip
    out.print(table)
    rate = summary.sent / summary.seconds if summary.seconds > 0 else 0.0
    out.print(f"sent {summary.sent} in {summary.seconds:.1f} s ({rate:.0f}/s)")
    for ch, st in summary.by_channel.items():
        for msg, n in st.errors.most_common(3):
            err.print(f"{ch}: {n}× {msg}")
    with store.session() as s:
        left = [r for r in channel_status(s) if r.backing_off or r.sending]
    for r in left:
        err.print(
            f"{r.channel}: {r.backing_off} waiting to retry, {r.sending} claimed by another "
            "sender; run `counterspy notify send` again later"
        )


@contacts_app.command("import")
def contacts_import(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV: account_id,email,phone"
    ),
    home: Path | None = HOME,
) -> None:
    """Import (or replace) contact details; they are encrypted before they reach the store."""
    ws = Workspace.resolve(home)
    cipher = contacts_mod.ContactCipher(contact_keys(load_config(ws)))
    store = open_store(ws)
    with store.session() as s:
        n = contacts_mod.import_contacts(s, file, cipher, actor=cli_actor())
    out.print(f"imported {n} contacts (encrypted)")


@contacts_app.command("rotate")
def contacts_rotate(home: Path | None = HOME) -> None:
    """Re-encrypt every contact under the newest key (then the old key may be retired)."""
    ws = Workspace.resolve(home)
    cipher = contacts_mod.ContactCipher(contact_keys(load_config(ws)))
    store = open_store(ws)
    with store.session() as s:
        n = contacts_mod.rotate_contacts(s, cipher, actor=cli_actor())
    out.print(f"re-encrypted {n} contacts under the newest key")


@notify_app.command("keygen")
def keygen() -> None:
    """Print a new contact-encryption key (put it first in COUNTERSPY_CONTACT_KEYS)."""
    out.print(contacts_mod.generate_key())


@notify_app.command("locales")
def locales(
    check: bool = typer.Option(
        False, "--check", help="Also check every catalog; exit 1 on problems."
    ),
) -> None:
    """Shipped locales and the countries their languages cover (CLDR territory data)."""
    cov = coverage()
    table = Table("locale", "direction", "official in", "countries")
    for loc in SHIPPED:
        cs = cov.by_locale[loc]
        table.add_row(
            loc,
            text_direction(loc),
            str(len(cs)),
            " ".join(cs[:12]) + (" ..." if len(cs) > 12 else ""),
        )
    out.print(table)
    out.print(f"{len(SHIPPED)} locales; languages official in {len(cov.countries)} countries")
    if check:
        problems = check_catalogs()
        for p in problems:
            err.print(f"{p.locale}: {p.key}: {p.problem}")
        if problems:
            raise typer.Exit(1)
        out.print("catalogs complete; placeholders and plural forms agree")


@notify_app.command("preview")
def preview(
    locale: str = typer.Option("en", "--locale", help="BCP 47 tag, e.g. pt-BR."),
    phase: Phase = typer.Option(Phase.EXPLOITATION, "--phase", help="Phase variant."),
    channel: str = typer.Option("email", "--channel", help="in_product, email or sms."),
    country: str = typer.Option("", "--country", help="Country for the helpline (ISO alpha-2)."),
) -> None:
    """Render a sample notice exactly as a person would get it."""
    if channel not in RENDERERS:
        raise CounterspyError(f"unknown rendering {channel!r}", hint="in_product, email or sms")
    loc = resolve_locale(locale)
    n = compose(phase, loc, helplines().for_country(country), datetime.now(UTC).date())
    r = RENDERERS[channel](n)
    err.print(f"locale {loc} ({n.direction}); subject: {r.subject}")
    out.print(r.html if channel == "in_product" and r.html else r.text, markup=False)
