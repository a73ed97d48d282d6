"""``counterspy actions``: approve enforcement actions and deliver them through the outbox."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out, progress
from counterspy.cli.main import app
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionStatus, TargetKind
from counterspy.enforce.blocklist_seam import blocked
from counterspy.enforce.webhook import WebhookAdapter, WebhookConfig, request_body
from counterspy.enforce.worker import Rollout, run_outbox
from counterspy.errors import CounterspyError, InputError
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

actions_app = typer.Typer(
    help="Enforcement actions: approve (outbox), deliver to the platform, inspect.",
    no_args_is_help=True,
)
app.add_typer(actions_app, name="actions")

SECRET_ENV = "COUNTERSPY_PLATFORM_SECRET"  # noqa: S105 - the variable's name, not a secret


def _targets(targets: list[str], from_file: Path | None) -> list[str]:
    found = list(targets)
    if from_file is not None:
        try:
            lines = from_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read targets: {exc}", file=str(from_file)) from exc
        found += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    if not found:
        raise InputError("no targets", hint="pass --target ID (repeat) or --from-file FILE")
    return found


def _secret(secret_file: Path | None) -> bytes:
    if secret_file is not None:
        try:
            return secret_file.read_bytes().strip()
        except OSError as exc:
            raise InputError(f"cannot read the secret: {exc}", file=str(secret_file)) from exc
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    raise CounterspyError(
        "no webhook signing secret",
        hint=f"pass --secret-file FILE or set ${SECRET_ENV} (shared with the platform)",
    )


@actions_app.command("approve")
def approve(
    kind: ActionKind = typer.Option(..., "--kind", help="Action to take."),
    target: list[str] = typer.Option([], "--target", help="Account id, domain, URL or IP."),
    from_file: Path | None = typer.Option(None, "--from-file", help="Targets, one a line."),
    target_kind: TargetKind = typer.Option(TargetKind.ACCOUNT, "--target-kind"),
    reason: str = typer.Option(..., "--reason", help="Policy reason code, for the audit log."),
    evidence: str | None = typer.Option(None, "--evidence", help="Evidence reference."),
    batch: str | None = typer.Option(None, "--batch", help="Batch id (re-running skips dups)."),
    adapter: str = typer.Option("webhook", "--adapter", help="Registered platform adapter."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be queued."),
    home: Path | None = HOME,
) -> None:
    """Approve actions: write them to the outbox (with the audit record) for delivery."""
    targets = _targets(target, from_file)
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        result = outbox.enqueue_actions(
            s,
            kind=kind,
            targets=targets,
            reason=reason,
            decided_by=cli_actor(),
            target_kind=target_kind,
            evidence_ref=evidence,
            batch=batch,
            adapter=adapter,
        )
        if dry_run:
            s.rollback()
    for t, why in result.skipped:
        err.print(f"skipped {t}: {why}")
    verb = "would queue" if dry_run else "queued"
    out.print(f"{verb} {len(result.created)} {kind.value} action(s) in batch {result.batch}")
    if not dry_run:
        err.print("next: `counterspy actions run --platform-url URL` to deliver them")


@actions_app.command("cancel")
def cancel(
    action_ids: list[int] = typer.Argument(None, help="Action ids (see `actions list`)."),
    batch: str | None = typer.Option(None, "--batch", help="Every pending action of a batch."),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit log."),
    home: Path | None = HOME,
) -> None:
    """Cancel approved actions no worker has picked up yet."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        done, refused = outbox.cancel_actions(
            s, actor=cli_actor(), reason=reason, ids=action_ids or [], batch=batch
        )
    for action_id, why in refused:
        err.print(f"not cancelled: {action_id} {why} (undo it with the reverse action)")
    out.print(f"cancelled {len(done)} action(s)")


@actions_app.command("run")
def run(
    platform_url: str | None = typer.Option(
        None, "--platform-url", help="Platform enforcement endpoint (or $COUNTERSPY_PLATFORM_URL)."
    ),
    secret_file: Path | None = typer.Option(None, "--secret-file", help="HMAC signing secret."),
    batch: str | None = typer.Option(None, "--batch", help="Only this batch."),
    max_per_minute: float | None = typer.Option(
        None, "--max-per-minute", min=0.1, help="Rate limit for deliveries."
    ),
    canary: int = typer.Option(0, "--canary", min=0, help="Deliver N first; stop on failure."),
    canary_wait: float = typer.Option(0.0, "--canary-wait", min=0, help="Pause after canary (s)."),
    batch_size: int = typer.Option(10, "--batch-size", min=1, max=1000, help="Rows per claim."),
    lease_seconds: float = typer.Option(60.0, "--lease-seconds", min=0.5, help="Claim lease."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after N deliveries."),
    max_attempts: int = typer.Option(4, "--max-attempts", min=1, max=20, help="Per delivery."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="HTTP timeout (s)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show requests; send nothing."),
    home: Path | None = HOME,
) -> None:
    """Deliver approved actions (the outbox worker). Safe to kill and re-run at any point."""
    store = open_store(Workspace.resolve(home))
    if dry_run:
        with store.session() as s:
            items = outbox.pending(s, batch=batch)
        for item in items:
            out.print(request_body(item.request()).decode())
        err.print(f"dry run: {len(items)} action(s) would be delivered; nothing sent")
        return
    url = platform_url or os.environ.get("COUNTERSPY_PLATFORM_URL")
    if not url:
        raise CounterspyError("no platform URL", hint="pass --platform-url URL")
    config = WebhookConfig(
        url=url, secret=_secret(secret_file), timeout_s=timeout, max_attempts=max_attempts
    )
    adapter = WebhookAdapter(config)
    rollout = Rollout(
        max_per_minute=max_per_minute,
        canary=canary,
        canary_wait_s=canary_wait,
        batch_size=batch_size,
        lease=timedelta(seconds=lease_seconds),
        limit=limit,
    )
    try:
        with progress() as p:
            summary = run_outbox(store, adapter, rollout=rollout, batch=batch, progress=p)
    finally:
        adapter.close()
    out.print(f"acked {summary.acked}, failed {summary.failed}, to retry {summary.retry_later}")
    for f in summary.failures:
        err.print(f"failed: {f} (see `counterspy actions list --status failed`)")
    if summary.halted:
        err.print(f"[bold yellow]halted:[/] {summary.halted}", markup=True)
    if summary.halted or summary.failed:
        raise typer.Exit(1)


@actions_app.command("list")
def list_(
    batch: str | None = typer.Option(None, "--batch", help="Only this batch."),
    status: ActionStatus | None = typer.Option(None, "--status", help="Only this status."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines."),
    home: Path | None = HOME,
) -> None:
    """List actions with their delivery state."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        items = outbox.list_actions(s, batch=batch, status=status)
    if as_json:
        for item in items:
            out.print(json.dumps(asdict(item), default=str), soft_wrap=True)
        return
    table = Table("id", "batch", "kind", "target", "status", "tries", "code", "error")
    for i in items:
        table.add_row(
            str(i.id),
            i.batch,
            i.kind.value,
            i.target,
            i.status.value,
            str(i.deliveries),
            str(i.response_code or ""),
            (i.last_error or "")[:60],
        )
    out.print(table)
    counts: dict[str, int] = {}
    for i in items:
        counts[i.status.value] = counts.get(i.status.value, 0) + 1
    err.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no actions")


@actions_app.command("blocked")
def blocked_(home: Path | None = HOME) -> None:
    """List infrastructure blocked by enforcement actions."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        rows = blocked(s)
    for kind, value in rows:
        out.print(f"{kind}\t{value}")
    err.print(f"{len(rows)} blocked item(s)")


@actions_app.command("simulate-platform")
def simulate_platform(
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Loopback port."),
    secret_file: Path | None = typer.Option(None, "--secret-file", help="HMAC signing secret."),
    fail_first: int = typer.Option(0, "--fail-first", min=0, help="Answer 500 to the first K."),
    drop_first: int = typer.Option(
        0, "--drop-first", min=0, help="Apply, then drop the connection, for the next K."
    ),
) -> None:
    """Run a simulated platform endpoint on 127.0.0.1 (demo and tests)."""
    from counterspy.enforce.simplatform import PlatformState, serve_forever

    state = PlatformState(secret=_secret(secret_file), fail_first=fail_first, drop_first=drop_first)
    err.print(f"simulated platform on http://127.0.0.1:{port}/enforcement (state: GET /state)")
    serve_forever(state, port)
