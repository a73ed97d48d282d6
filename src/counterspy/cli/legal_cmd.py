"""``counterspy legal`` (the lawful-request channel) and ``counterspy transparency``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out
from counterspy.cli.main import app
from counterspy.errors import CounterspyError
from counterspy.legal import agencies, requests, workflow
from counterspy.legal.model import DataCategory, Queue, RequestState, RequestView, TaskKind
from counterspy.legal.policy import LegalPolicy, load_policy
from counterspy.legal.requests import Scope
from counterspy.legal.targets import WorkspaceTargets
from counterspy.legal.transparency import Period, build_report, render_csv, render_html
from counterspy.storage.db import Store
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

legal_app = typer.Typer(
    help="The lawful-request channel: agencies, review, production, follow-ups.",
    no_args_is_help=True,
)
app.add_typer(legal_app, name="legal")

NOTE = typer.Option("", "--note", help="Free text for the record and the audit log.")


def _open(home: Path | None) -> tuple[Workspace, Store, LegalPolicy]:
    ws = Workspace.resolve(home)
    return ws, open_store(ws), load_policy(ws.home)


def _print_request(v: RequestView) -> None:
    out.print(f"[bold]lawful request {v.id}[/] — {v.state.value} ({v.queue.value} queue)")
    out.print(
        f"  agency {v.agency_id}, {v.process.value} from {v.country}, "
        f"received {v.received_at:%Y-%m-%d %H:%M}"
    )
    cats = ", ".join(c.value for c in v.categories)
    out.print(f"  categories {cats}; {len(v.accounts)} account(s)")
    for f in v.findings:
        out.print(f"  [yellow]{f.code}[/] ({f.outcome.value}): {f.detail}")
    out.print(f"  recommendation: {v.recommendation.value}")
    if v.decision_codes:
        out.print(f"  decision by {v.decided_by}: {', '.join(v.decision_codes)}")
    if v.produced_at:
        produced = ", ".join(c.value for c in v.produced_categories)
        out.print(f"  produced {produced} for {len(v.produced_accounts)} account(s)")
    if v.nothing_produced_code:
        out.print(f"  nothing produced: {v.nothing_produced_code}")
    for d in v.documents:
        out.print(f"  document {d.id}: {d.filename} sha256 {d.sha256}")
    for t in v.tasks:
        due = t.due_at.strftime("%Y-%m-%d") if t.due_at else "blocked (order without expiry)"
        state = f"done by {t.done_by}" if t.done_at else f"due {due}"
        out.print(f"  task {t.id}: {t.kind.value}, {state}")


@legal_app.command("agency-add")
def agency_add(
    agency_id: str = typer.Argument(..., help="Slug, e.g. uk-nca; agency users' organisation."),
    name: str = typer.Option(..., "--name", help="The agency's full name."),
    country: str = typer.Option(..., "--country", help="CLDR territory code, e.g. GB."),
    email: str = typer.Option(..., "--email", help="Official contact address."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number the agency supplied."),
    home: Path | None = HOME,
) -> None:
    """Register an agency; an official e-mail domain is verified at once."""
    _, store, policy = _open(home)
    with store.session() as s:
        a = agencies.register_agency(
            s,
            agency_id=agency_id,
            name=name,
            country=country,
            email=email,
            contact_phone=phone,
            actor=cli_actor(),
            policy=policy,
        )
    how = a.domain_verification or "NOT on the official list: verify it by hand"
    out.print(f"registered agency {a.id} ({a.country}); domain: {how}")
    err.print("next: `counterspy legal callback` to a number found independently")


@legal_app.command("agency-verify-domain")
def agency_verify_domain(
    agency_id: str = typer.Argument(...),
    note: str = typer.Option(..., "--note", help="How the domain was verified."),
    home: Path | None = HOME,
) -> None:
    """Verify by hand a domain that is not on the official list."""
    _, store, _ = _open(home)
    with store.session() as s:
        a = agencies.verify_domain_manually(s, agency_id=agency_id, actor=cli_actor(), note=note)
    out.print(f"agency {a.id}: domain verified; status {a.status.value}")


@legal_app.command("callback")
def callback(
    agency_id: str = typer.Argument(...),
    number: str = typer.Option(..., "--number", help="The number called."),
    source: str = typer.Option(..., "--source", help="Where the number came from."),
    failed: bool = typer.Option(False, "--failed", help="The call did not confirm the agency."),
    note: str = NOTE,
    home: Path | None = HOME,
) -> None:
    """Record the call-back to a number obtained independently of the requester."""
    _, store, _ = _open(home)
    with store.session() as s:
        a = agencies.record_callback(
            s,
            agency_id=agency_id,
            number=number,
            source=source,
            confirmed=not failed,
            actor=cli_actor(),
            note=note,
        )
    result = "failed" if failed else "confirmed"
    out.print(f"agency {a.id}: call-back {result}; status {a.status.value}")


@legal_app.command("agency-suspend")
def agency_suspend(
    agency_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="Why, for the audit log."),
    reinstate: bool = typer.Option(False, "--reinstate", help="Lift a suspension instead."),
    home: Path | None = HOME,
) -> None:
    """Suspend an agency (it can no longer submit), or reinstate it."""
    _, store, _ = _open(home)
    with store.session() as s:
        a = agencies.set_suspended(
            s, agency_id=agency_id, suspended=not reinstate, actor=cli_actor(), reason=reason
        )
    out.print(f"agency {a.id}: status {a.status.value}")


@legal_app.command("agencies")
def list_agencies(home: Path | None = HOME) -> None:
    """List agencies with their verification status."""
    _, store, _ = _open(home)
    with store.session() as s:
        rows = agencies.list_agencies(s)
    table = Table("id", "name", "country", "email", "domain", "call-back", "status")
    for a in rows:
        table.add_row(
            a.id,
            a.name,
            a.country,
            a.email,
            "yes" if a.domain_verified else "no",
            "yes" if a.callback_confirmed else "no",
            a.status.value,
        )
    out.print(table)
    err.print(f"{len(rows)} agency record(s)")


@legal_app.command("requests")
def list_requests(
    state: RequestState | None = typer.Option(None, "--state", help="Only this state."),
    queue: Queue | None = typer.Option(None, "--queue", help="standard or senior."),
    home: Path | None = HOME,
) -> None:
    """List lawful requests, newest first."""
    _, store, _ = _open(home)
    with store.session() as s:
        rows = requests.list_requests(s, Scope.everyone(), state=state, queue=queue)
    table = Table(
        "id", "received", "agency", "country", "process", "accounts", "state", "queue", "findings"
    )
    for v in rows:
        table.add_row(
            str(v.id),
            f"{v.received_at:%Y-%m-%d}",
            v.agency_id,
            v.country,
            v.process.value,
            str(len(v.accounts)),
            v.state.value,
            v.queue.value,
            ", ".join(f.code for f in v.findings),
        )
    out.print(table)
    err.print(f"{len(rows)} request(s)")


@legal_app.command("show")
def show(request_id: int = typer.Argument(...), home: Path | None = HOME) -> None:
    """Show one request: findings, decision, production, documents, tasks."""
    _, store, _ = _open(home)
    with store.session() as s:
        _print_request(requests.get_request(s, request_id, Scope.everyone()))


@legal_app.command("verify")
def verify(
    request_id: int = typer.Argument(...),
    note: str = typer.Option(..., "--note", help="What was checked, and how."),
    not_authentic: bool = typer.Option(
        False, "--not-authentic", help="The document did not check out: reject."
    ),
    home: Path | None = HOME,
) -> None:
    """Record the check of the legal process and move the request into review."""
    ws, store, policy = _open(home)
    with store.session() as s:
        v = workflow.verify(
            s,
            request_id=request_id,
            actor=cli_actor(),
            authentic=not not_authentic,
            note=note,
            policy=policy,
            targets=WorkspaceTargets(ws),
        )
    _print_request(v)


@legal_app.command("decide")
def decide(
    request_id: int = typer.Argument(...),
    decision: RequestState = typer.Option(
        ...,
        "--decision",
        help="approved, partially_approved, rejected, routed_to_mlat or escalated.",
    ),
    code: list[str] = typer.Option([], "--code", help="Reason code(s); see `legal rules`."),
    category: list[DataCategory] = typer.Option(
        [], "--category", help="Partial approval: the categories approved."
    ),
    account: list[str] = typer.Option([], "--account", help="Partial approval: the accounts."),
    note: str = NOTE,
    home: Path | None = HOME,
) -> None:
    """Decide a request under review, with reason codes."""
    _, store, policy = _open(home)
    with store.session() as s:
        v = workflow.decide(
            s,
            request_id=request_id,
            actor=cli_actor(),
            decision=decision,
            codes=code,
            policy=policy,
            note=note,
            categories=category or None,
            accounts=account or None,
        )
    _print_request(v)


@legal_app.command("produce")
def produce(
    request_id: int = typer.Argument(...),
    category: list[DataCategory] = typer.Option(..., "--category", help="Categories produced."),
    account: list[str] = typer.Option(..., "--account", help="Accounts produced."),
    note: str = NOTE,
    home: Path | None = HOME,
) -> None:
    """Record exactly what was produced (never more than approved)."""
    _, store, _ = _open(home)
    with store.session() as s:
        v = workflow.produce(
            s,
            request_id=request_id,
            actor=cli_actor(),
            categories=category,
            accounts=account,
            note=note,
        )
    _print_request(v)


@legal_app.command("close")
def close(
    request_id: int = typer.Argument(...),
    code: str | None = typer.Option(
        None,
        "--code",
        help="Why nothing was produced: NO_DATA_FOUND, ACCOUNT_NOT_FOUND, WITHDRAWN.",
    ),
    note: str = NOTE,
    home: Path | None = HOME,
) -> None:
    """Close a request."""
    _, store, policy = _open(home)
    with store.session() as s:
        v = workflow.close(
            s, request_id=request_id, actor=cli_actor(), policy=policy, code=code, note=note
        )
    out.print(f"lawful request {v.id} closed")


@legal_app.command("due")
def due(
    kind: TaskKind | None = typer.Option(None, "--kind", help="user_notice or emergency_review."),
    home: Path | None = HOME,
) -> None:
    """List follow-ups due now (user notices, emergency reviews); run it daily."""
    _, store, _ = _open(home)
    with store.session() as s:
        tasks = workflow.due_tasks(s, kind=kind)
        blocked = [t for t in workflow.open_tasks(s) if t.due_at is None]
    table = Table("task", "request", "kind", "due")
    for t in tasks:
        table.add_row(str(t.id), str(t.request_id), t.kind.value, f"{t.due_at:%Y-%m-%d}")
    out.print(table)
    err.print(f"{len(tasks)} task(s) due; {len(blocked)} notice(s) blocked by open-ended orders")


@legal_app.command("task-done")
def task_done(
    task_id: int = typer.Argument(...),
    outcome: str = typer.Option(
        ..., "--outcome", help="The review's conclusion, or how the user was told."
    ),
    home: Path | None = HOME,
) -> None:
    """Mark a follow-up done (a notice cannot be marked sent while an order is in force)."""
    _, store, _ = _open(home)
    with store.session() as s:
        t = workflow.complete_task(s, task_id=task_id, actor=cli_actor(), outcome=outcome)
    out.print(f"task {t.id} ({t.kind.value}) done")


@legal_app.command("senior")
def senior(
    name: str | None = typer.Argument(None, help="User to designate; omit to list."),
    remove: bool = typer.Option(False, "--remove", help="Withdraw the designation."),
    home: Path | None = HOME,
) -> None:
    """Designate (or list) senior reviewers, who handle escalated requests."""
    _, store, _ = _open(home)
    with store.session() as s:
        if name is not None:
            workflow.designate_senior(s, name=name, actor=cli_actor(), remove=remove)
            out.print(f"{'removed' if remove else 'designated'} senior reviewer {name}")
            return
        names = workflow.senior_reviewers(s)
    for n in names:
        out.print(n)
    err.print(f"{len(names)} senior reviewer(s)")


@legal_app.command("rules")
def rules(home: Path | None = HOME) -> None:
    """Print the reason codes and what each does."""
    policy = load_policy(Workspace.resolve(home).home)
    table = Table("code", "outcome", "description")
    for rc in policy.reason_codes.values():
        table.add_row(rc.code, rc.outcome.value, rc.description)
    out.print(table)
    err.print(f"home country {policy.home_country}; at most {policy.max_accounts} accounts each")


@app.command("transparency")
def transparency(
    period: str = typer.Option(..., "--period", help="Half-year, e.g. 2026-H1."),
    fmt: str = typer.Option("csv", "--format", help="csv or html."),
    out_file: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    home: Path | None = HOME,
) -> None:
    """The transparency report: requests per country and legal process, disruption figures."""
    renderers = {"csv": render_csv, "html": render_html}
    if fmt not in renderers:
        raise CounterspyError(f"unknown format {fmt!r}", hint="use --format csv or --format html")
    p = Period.parse(period)
    ws, store, policy = _open(home)
    with store.session() as s:
        report = build_report(s, p, policy, ws)
    text = renderers[fmt](report)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8")
    n = sum(r.requests for r in report.rows)
    where = f"; written to {out_file}" if out_file else ""
    err.print(f"{p.label}: {n} request(s) from {len(report.countries)} country(ies){where}")
