"""``counterspy cases``: open cases from detection, review, split/merge, appeals."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from counterspy.cases import appeals, opening, reshape, review
from counterspy.cases.appeals import AppealDecision
from counterspy.cases.codes import reason_codes
from counterspy.cases.views import AppealState, CaseState, Decision, get_case, list_cases
from counterspy.cli.actor import cli_actor
from counterspy.cli.console import HOME, err, out, progress
from counterspy.cli.main import app
from counterspy.errors import InputError
from counterspy.storage.open import open_store
from counterspy.workspace import Workspace

cases_app = typer.Typer(
    help="Cases: detected operations under review, decisions, appeals.", no_args_is_help=True
)
app.add_typer(cases_app, name="cases")

CASE = typer.Argument(..., min=1, help="Case id (see `cases list`).")
ACCOUNT = typer.Option([], "--account", help="Account id (repeat); default: all pending.")
FROM_FILE = typer.Option(None, "--from-file", help="Account ids, one a line.")
CODE = typer.Option(..., "--code", help="Policy reason code (`cases codes` lists them).")
NOTE = typer.Option(None, "--note", help="Free-text note kept with the decision.")
REASON = typer.Option(..., "--reason", help="Why (written to the audit log).")


def _ids(values: list[str], from_file: Path | None) -> list[str]:
    found = list(values)
    if from_file is not None:
        try:
            lines = from_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read account ids: {exc}", file=str(from_file)) from exc
        found += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    return found


@cases_app.command("open")
def open_cmd(home: Path | None = HOME) -> None:
    """Open (or update) one case per operation of the latest detection run."""
    ws = Workspace.resolve(home)
    store = open_store(ws)
    with progress() as p, store.session() as s:
        summary = opening.open_cases(s, ws, actor=cli_actor(), progress=p)
    out.print(
        f"{summary.operations} operations: {len(summary.created)} cases opened, "
        f"{len(summary.updated)} updated (evidence changed), {len(summary.unchanged)} unchanged; "
        f"{summary.accounts_added} accounts added"
    )
    if summary.updated:
        err.print(f"evidence changed in cases {', '.join(map(str, summary.updated))}: re-check")


@cases_app.command("list")
def list_cmd(
    state: CaseState | None = typer.Option(None, "--state", help="Only cases in this state."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
    home: Path | None = HOME,
) -> None:
    """List cases with their decision counts."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        found = list_cases(s, state=state)
    if as_json:
        for c in found:
            out.print_json(json.dumps(asdict(c), default=str))
        return
    if not found:
        err.print("no cases (run `counterspy cases open` after detection)")
        return
    table = Table("id", "operations", "state", "firm", "conf", "accts", "pend", "appr", "rej",
                  "infra", "assignee", "changed")  # fmt: skip
    for c in found:
        d = c.decisions
        table.add_row(
            str(c.id), ",".join(c.operations), c.state.value, c.firm, f"{c.confidence:.2f}",
            str(c.accounts),
            str(d["pending"]), str(d["approved"]), str(d["rejected"]), str(c.infrastructure),
            c.assignee or "-", "yes" if c.evidence_changed_at else "",
        )  # fmt: skip
    out.print(table)
    err.print(f"{len(found)} cases")


@cases_app.command("show")
def show(
    case_id: int = CASE,
    signals: bool = typer.Option(False, "--signals", help="Show every signal of every account."),
    as_json: bool = typer.Option(False, "--json", help="The whole case as JSON."),
    home: Path | None = HOME,
) -> None:
    """Show a case: attribution, targets summary, accounts, infrastructure, decisions."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        case = get_case(s, case_id)
    if as_json:
        out.print_json(json.dumps(asdict(case), default=str))
        return
    c = case.summary
    out.print(f"[bold]case {c.id}[/bold] {c.title} - {c.state.value}, assignee {c.assignee or '-'}")
    for op in case.operations:
        out.print(f"operation {op.operation_id}: {op.firm} (confidence {op.confidence:.2f})")
        out.print(f"  rationale: {op.rationale}")
        phases = ", ".join(f"{k} {v}" for k, v in sorted(op.targets_by_phase.items()))
        top = sorted(op.targets_by_country.items(), key=lambda kv: -kv[1])[:8]
        out.print(f"  targets: {op.targets_total} ({op.targets_at_risk} at risk; {phases})")
        out.print(f"  countries: {', '.join(f'{k} {v}' for k, v in top)}")
    table = Table("account", "role", "score", "signals", "decision", "code", "action")
    for a in case.accounts:
        table.add_row(
            a.account_id, a.role, f"{a.score:.2f}", str(len(a.signals)), a.decision.value,
            a.reason_code or "", a.action_status or "",
        )  # fmt: skip
    out.print(table)
    if signals:
        for a in case.accounts:
            for sig in a.signals:
                out.print(
                    f"{a.account_id} {sig.signal} = {sig.value:g} (threshold {sig.threshold:g}, "
                    f"{sig.window_start} .. {sig.window_end}): {sig.evidence}"
                )
    infra = Table("kind", "value", "accounts", "label", "decision", "action")
    for i in case.infrastructure:
        infra.add_row(i.kind, i.value, str(len(i.accounts)), i.label, i.decision.value,
                      i.action_status or "")  # fmt: skip
    if case.infrastructure:
        out.print(infra)
    if c.evidence_changed_at:
        err.print(f"evidence changed at {c.evidence_changed_at:%Y-%m-%d %H:%M} (re-check)")


@cases_app.command("codes")
def codes() -> None:
    """List the policy reason codes and what each may be used for."""
    table = Table("code", "uses", "description")
    for c in reason_codes().values():
        table.add_row(c.code, ", ".join(sorted(u.value for u in c.uses)), c.description)
    out.print(table)


@cases_app.command("review")
def review_cmd(
    case_id: int = CASE,
    decision: Decision = typer.Option(..., "--decision", help="approved or rejected."),
    code: str = CODE,
    account: list[str] = ACCOUNT,
    from_file: Path | None = FROM_FILE,
    domain: list[str] = typer.Option([], "--domain", help="Infrastructure domain (repeat)."),
    ip: list[str] = typer.Option([], "--ip", help="Infrastructure IP address (repeat)."),
    infrastructure: bool = typer.Option(
        False, "--infrastructure", help="Decide infrastructure items (all pending if none named)."
    ),
    note: str | None = NOTE,
    home: Path | None = HOME,
) -> None:
    """Approve (queue enforcement actions) or reject accounts or infrastructure of a case."""
    store = open_store(Workspace.resolve(home))
    items = [("domain", d) for d in domain] + [("ip", i) for i in ip]
    with store.session() as s:
        if infrastructure or items:
            result = review.review_infrastructure(
                s, case_id, decision=decision, reason_code=code, actor=cli_actor(),
                items=items or None, note=note,
            )  # fmt: skip
        else:
            ids = _ids(account, from_file)
            result = review.review_accounts(
                s, case_id, decision=decision, reason_code=code, actor=cli_actor(),
                accounts=ids or None, note=note,
            )  # fmt: skip
    out.print(
        f"case {case_id}: {len(result.decided)} {decision.value}, {len(result.unchanged)} "
        f"already so; {len(result.actions_created)} actions queued, "
        f"{len(result.actions_cancelled)} cancelled; case is {result.state.value}"
    )
    if result.actions_created:
        err.print("next: `counterspy actions run --platform-url URL` delivers them")


@cases_app.command("assign")
def assign(case_id: int = CASE, to: str = typer.Option(..., "--to", help="Reviewer name."),
           home: Path | None = HOME) -> None:  # fmt: skip
    """Assign a case to a reviewer."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        state = review.assign_case(s, case_id, assignee=to, actor=cli_actor())
    out.print(f"case {case_id} assigned to {to} ({state.value})")


@cases_app.command("close")
def close(case_id: int = CASE, reason: str = REASON, home: Path | None = HOME) -> None:
    """Close a case once every account has a decision."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        done = review.close_case(s, case_id, actor=cli_actor(), reason=reason)
    out.print(f"case {case_id} {'closed' if done else 'was already closed'}")


@cases_app.command("ack-evidence")
def ack_evidence(case_id: int = CASE, home: Path | None = HOME) -> None:
    """Mark a case's changed evidence as re-checked (clears the flag; audited)."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        done = opening.acknowledge_evidence(s, case_id, actor=cli_actor())
    out.print(f"case {case_id}: {'acknowledged' if done else 'evidence had not changed'}")


@cases_app.command("split")
def split(case_id: int = CASE, account: list[str] = ACCOUNT, from_file: Path | None = FROM_FILE,
          reason: str = REASON, home: Path | None = HOME) -> None:  # fmt: skip
    """Move accounts (with their decisions) to a new case."""
    ids = _ids(account, from_file)
    if not ids:
        raise InputError("name the accounts to move", hint="--account ID (repeat) or --from-file")
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        r = reshape.split_case(s, case_id, accounts=ids, actor=cli_actor(), reason=reason)
    out.print(f"moved {r.accounts_moved} accounts and {r.infrastructure_moved} infrastructure "
              f"items from case {case_id} to new case {r.case_id}")  # fmt: skip


@cases_app.command("merge")
def merge(case_id: int = CASE, other: int = typer.Argument(..., min=1, help="Case merged in."),
          reason: str = REASON, home: Path | None = HOME) -> None:  # fmt: skip
    """Merge case OTHER into CASE_ID (OTHER is closed)."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        r = reshape.merge_cases(s, case_id, other=other, actor=cli_actor(), reason=reason)
    out.print(f"merged case {other} into {case_id}: {r.accounts_moved} accounts, "
              f"{r.infrastructure_moved} infrastructure items moved")  # fmt: skip


@cases_app.command("appeal")
def appeal(
    account_id: str = typer.Argument(..., help="The appealing account."),
    statement: str = typer.Option(..., "--statement", help="The owner's appeal, as received."),
    assignee: str | None = typer.Option(None, "--assignee", help="Reviewer (default: auto)."),
    home: Path | None = HOME,
) -> None:
    """Record an account owner's appeal; it goes to a reviewer other than the approver."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        a = appeals.file_appeal(
            s, account_id=account_id, statement=statement, filed_by=cli_actor(), assignee=assignee
        )
    out.print(f"appeal {a.id} for {account_id} (case {a.case_id}) assigned to {a.assignee}")


@cases_app.command("appeals")
def appeals_cmd(
    state: AppealState | None = typer.Option(None, "--state", help="Only appeals in this state."),
    home: Path | None = HOME,
) -> None:
    """List appeals."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        found = appeals.list_appeals(s, state=state)
    table = Table("id", "account", "case", "state", "assignee", "approver", "code", "action")
    for a in found:
        table.add_row(str(a.id), a.account_id, str(a.case_id), a.state.value, a.assignee,
                      a.original_approver, a.reason_code or "", a.action_status or "")  # fmt: skip
    out.print(table)
    err.print(f"{len(found)} appeals")


@cases_app.command("decide-appeal")
def decide_appeal(
    appeal_id: int = typer.Argument(..., min=1, help="Appeal id."),
    decision: AppealDecision = typer.Option(..., "--decision", help="upheld or reinstated."),
    code: str = CODE,
    note: str | None = NOTE,
    home: Path | None = HOME,
) -> None:
    """Uphold the action or reinstate the account (through the same adapter)."""
    store = open_store(Workspace.resolve(home))
    with store.session() as s:
        a = appeals.decide_appeal(
            s, appeal_id, decision=decision, reason_code=code, actor=cli_actor(), note=note
        )
    extra = f"; reinstate action {a.action_id} queued" if a.action_id else ""
    out.print(f"appeal {a.id}: {a.state.value}{extra}")
