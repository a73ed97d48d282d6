"""The request workflow: verification, decisions, narrow production, closing, follow-up tasks.

States and the moves between them are one table; every move is checked against it (an invalid
one is a :class:`ConflictError`) and written to the audit log in the caller's transaction.

    received ──verify──► under_review ──► approved | partially_approved ──► produced ──► closed
        │                    │      └───► rejected | routed_to_mlat ───────────────────► closed
        │                    └──► escalated (senior reviewers) ──► approved | … (as above)
        └──(not authentic)──► rejected
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.legal.model import (
    DataCategory,
    LegalProcess,
    Outcome,
    Queue,
    RequestState,
    RequestView,
    TaskKind,
    TaskView,
)
from counterspy.legal.models import LegalRequestRow, SeniorReviewerRow, TaskRow
from counterspy.legal.policy import LegalPolicy
from counterspy.legal.requests import (
    Scope,
    assess,
    audit_subject,
    aware,
    draft_of,
    findings_of,
    get_row,
    join_categories,
    now,
    split_codes,
    task_view,
    view,
)
from counterspy.legal.rules import allowed_categories
from counterspy.legal.targets import NotifiedTargets

S = RequestState
TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    S.RECEIVED: frozenset({S.UNDER_REVIEW, S.REJECTED}),
    S.UNDER_REVIEW: frozenset(
        {S.APPROVED, S.PARTIALLY_APPROVED, S.REJECTED, S.ROUTED_TO_MLAT, S.ESCALATED}
    ),
    S.ESCALATED: frozenset({S.APPROVED, S.PARTIALLY_APPROVED, S.REJECTED, S.ROUTED_TO_MLAT}),
    S.APPROVED: frozenset({S.PRODUCED, S.CLOSED}),
    S.PARTIALLY_APPROVED: frozenset({S.PRODUCED, S.CLOSED}),
    S.PRODUCED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.ROUTED_TO_MLAT: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
DECISIONS = frozenset({S.APPROVED, S.PARTIALLY_APPROVED, S.REJECTED, S.ROUTED_TO_MLAT, S.ESCALATED})
# Decisions a finding's outcome still permits (a reviewer can always reject).
_PERMITTED_BY: dict[Outcome, frozenset[RequestState]] = {
    Outcome.REJECT: frozenset({S.REJECTED}),
    Outcome.ROUTE_MLAT: frozenset({S.ROUTED_TO_MLAT, S.REJECTED, S.ESCALATED}),
    Outcome.NARROW: frozenset({S.PARTIALLY_APPROVED, S.REJECTED, S.ROUTED_TO_MLAT, S.ESCALATED}),
}
NOTHING_PRODUCED_CODES = frozenset({"NO_DATA_FOUND", "ACCOUNT_NOT_FOUND", "WITHDRAWN"})


def check_move(row: LegalRequestRow, to: RequestState) -> RequestState:
    """The current state, if ``to`` may follow it; else a ConflictError saying what may."""
    current = RequestState(row.state)
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (final)"
        raise ConflictError(
            f"lawful request {row.id} is {current.value}; it cannot become {to.value}",
            hint=f"from {current.value} it can become: {allowed}",
        )
    return current


def _move(
    session: Session,
    row: LegalRequestRow,
    to: RequestState,
    *,
    actor: str,
    reason: str,
    after: dict[str, object] | None = None,
) -> None:
    current = check_move(row, to)
    row.state = to.value
    audit.record(
        session,
        actor=actor,
        action=f"legal.request.{to.value}",
        subject_type="legal_request",
        subject_id=audit_subject(row.id),
        reason=reason,
        before={"state": current.value},
        after={"state": to.value, **(after or {})},
    )


def is_senior(session: Session, name: str) -> bool:
    return session.get(SeniorReviewerRow, name) is not None


def _require_handler(session: Session, row: LegalRequestRow, actor: str) -> None:
    if row.queue == Queue.SENIOR and not is_senior(session, actor):
        raise ConflictError(
            f"lawful request {row.id} is in the senior review queue; {actor!r} is not a "
            "senior reviewer",
            hint="a senior reviewer handles it (`counterspy legal senior add NAME`)",
        )


def _check_codes(policy: LegalPolicy, codes: Collection[str]) -> str:
    unknown = [c for c in codes if c not in policy.reason_codes]
    if unknown:
        raise CounterspyError(
            f"unknown reason code(s): {', '.join(unknown)}",
            hint="see the reason-code table in docs/legal.md",
        )
    return ",".join(dict.fromkeys(codes))


def verify(
    session: Session,
    *,
    request_id: int,
    actor: str,
    authentic: bool,
    note: str,
    policy: LegalPolicy,
    targets: NotifiedTargets,
) -> RequestView:
    """Record the check of the legal process document; a request about a notified target then
    goes straight to the senior reviewers."""
    row = get_row(session, request_id, Scope.everyone())
    check_move(row, S.UNDER_REVIEW)
    if not note.strip():
        raise CounterspyError("say what was verified", hint="e.g. 'warrant checked with clerk'")
    assess(row, policy, targets)
    _require_handler(session, row, actor)
    row.verified_by = actor
    row.verification_note = note.strip()
    if not authentic:
        row.decision_codes = "DOCUMENT_NOT_AUTHENTIC"
        row.decided_by, row.decided_at = actor, now()
        _move(session, row, S.REJECTED, actor=actor, reason="DOCUMENT_NOT_AUTHENTIC")
        return view(row)
    codes = ",".join(f.code for f in findings_of(row))
    _move(session, row, S.UNDER_REVIEW, actor=actor, reason=codes, after={"note": note.strip()})
    if row.queue == Queue.SENIOR:
        _move(session, row, S.ESCALATED, actor=actor, reason="NOTIFIED_TARGET_ESCALATION")
    return view(row)


def decide(
    session: Session,
    *,
    request_id: int,
    actor: str,
    decision: RequestState,
    codes: Collection[str],
    policy: LegalPolicy,
    note: str = "",
    categories: Collection[DataCategory] | None = None,
    accounts: Collection[str] | None = None,
) -> RequestView:
    row = get_row(session, request_id, Scope.everyone())
    if decision not in DECISIONS:
        raise CounterspyError(f"{decision.value} is not a decision")
    check_move(row, decision)
    _require_handler(session, row, actor)
    if decision is S.ESCALATED:
        row.queue = Queue.SENIOR
    findings = findings_of(row)
    for f in findings:
        permitted = _PERMITTED_BY.get(f.outcome)
        if permitted is not None and decision not in permitted:
            raise ConflictError(
                f"{f.code}: {f.detail}; the request cannot be {decision.value}",
                hint="decide " + " or ".join(sorted(s.value for s in permitted)),
            )
    codes = list(codes) or (["APPROVED_AS_REQUESTED"] if decision is S.APPROVED else [])
    if not codes:
        raise CounterspyError(f"a decision to {decision.value} needs at least one reason code")
    joined = _check_codes(policy, codes)
    draft = draft_of(row)
    after: dict[str, object] = {}
    if decision in (S.APPROVED, S.PARTIALLY_APPROVED):
        cats, accs = _approved_scope(row, decision, policy, categories, accounts)
        row.approved_categories = join_categories(cats)
        for a in row.accounts:
            a.approved = a.account_id in accs
        after = {"categories": row.approved_categories, "accounts": len(accs)}
    row.decision_codes, row.decision_note = joined, note.strip() or None
    row.decided_by, row.decided_at = actor, now()
    _move(session, row, decision, actor=actor, reason=joined, after=after)
    if decision in (S.APPROVED, S.PARTIALLY_APPROVED) and draft.process is LegalProcess.EMERGENCY:
        due = now() + timedelta(days=policy.emergency_review_due_days)
        _add_task(session, row, TaskKind.EMERGENCY_REVIEW, due, actor, "EMERGENCY_REVIEW_REQUIRED")
    return view(row)


def _approved_scope(
    row: LegalRequestRow,
    decision: RequestState,
    policy: LegalPolicy,
    categories: Collection[DataCategory] | None,
    accounts: Collection[str] | None,
) -> tuple[set[DataCategory], set[str]]:
    draft = draft_of(row)
    allowed = allowed_categories(draft, policy)
    named = set(draft.accounts)
    if decision is S.APPROVED:
        return set(draft.categories), named
    cats = set(categories) if categories else set(allowed)
    accs = set(accounts) if accounts else named
    if not cats or not cats <= allowed:
        raise ConflictError(
            f"approved categories must be a non-empty subset of {join_categories(allowed)}"
        )
    if not accs or not accs <= named:
        raise ConflictError("approved accounts must be a non-empty subset of those named")
    if cats == set(draft.categories) and accs == named:
        raise ConflictError(
            "a partial approval must leave out some categories or accounts",
            hint="decide approved instead",
        )
    return cats, accs


def produce(
    session: Session,
    *,
    request_id: int,
    actor: str,
    categories: Collection[DataCategory],
    accounts: Collection[str],
    note: str = "",
) -> RequestView:
    """Record exactly what was produced: never more than was approved."""
    row = get_row(session, request_id, Scope.everyone())
    check_move(row, S.PRODUCED)
    _require_handler(session, row, actor)
    approved_cats = {DataCategory(c) for c in split_codes(row.approved_categories)}
    approved_accs = {a.account_id for a in row.accounts if a.approved}
    cats, accs = set(categories), set(accounts)
    if not cats or not cats <= approved_cats:
        raise ConflictError(
            "produced categories must be a non-empty subset of the approved ones "
            f"({join_categories(approved_cats) or 'none'})"
        )
    if not accs or not accs <= approved_accs:
        raise ConflictError("produced accounts must be a non-empty subset of the approved ones")
    row.produced_categories = join_categories(cats)
    for a in row.accounts:
        a.produced = a.account_id in accs
    row.produced_at = now()
    after = {"categories": row.produced_categories, "accounts": len(accs), "note": note}
    _move(session, row, S.PRODUCED, actor=actor, reason="", after=after)
    if LegalProcess(row.process) is not LegalProcess.PRESERVATION:
        _add_task(session, row, TaskKind.USER_NOTICE, notice_due(row), actor, "NDO_NOTICE_DUE")
    return view(row)


def notice_due(row: LegalRequestRow) -> datetime | None:
    """When the user may be told: at once, when the non-disclosure order expires, or never
    (None) while an order without expiry stands."""
    if not row.nondisclosure:
        return now()
    if row.nondisclosure_until is None:
        return None
    return datetime.combine(row.nondisclosure_until, time(0, 0), tzinfo=UTC)


def _add_task(
    session: Session,
    row: LegalRequestRow,
    kind: TaskKind,
    due: datetime | None,
    actor: str,
    code: str,
) -> None:
    task = TaskRow(request_id=row.id, kind=kind.value, due_at=due, created_at=now())
    session.add(task)
    session.flush()
    session.refresh(row, ["tasks"])
    audit.record(
        session,
        actor=actor,
        action="legal.task.create",
        subject_type="legal_request",
        subject_id=audit_subject(row.id),
        reason=code,
        after={"task": task.id, "kind": kind.value, "due_at": due},
    )


def close(
    session: Session,
    *,
    request_id: int,
    actor: str,
    policy: LegalPolicy,
    code: str | None = None,
    note: str = "",
) -> RequestView:
    """Close a request; an approved one that produced nothing must say why (``code``)."""
    row = get_row(session, request_id, Scope.everyone())
    state = check_move(row, S.CLOSED)
    _require_handler(session, row, actor)
    open_reviews = [
        t for t in row.tasks if t.kind == TaskKind.EMERGENCY_REVIEW and t.done_at is None
    ]
    if open_reviews:
        raise ConflictError(
            f"lawful request {row.id} has an open after-the-fact emergency review",
            hint=f"complete task {open_reviews[0].id} first (`counterspy legal task-done`)",
        )
    if state in (S.APPROVED, S.PARTIALLY_APPROVED):
        if code not in NOTHING_PRODUCED_CODES:
            raise CounterspyError(
                "say why nothing was produced",
                hint="code one of: " + ", ".join(sorted(NOTHING_PRODUCED_CODES)),
            )
        _check_codes(policy, [code])
        row.nothing_produced_code = code
    elif state in (S.REJECTED, S.ROUTED_TO_MLAT):
        row.nothing_produced_code = (
            split_codes(row.decision_codes)[0] if row.decision_codes else None
        )
    row.closed_at = now()
    _move(session, row, S.CLOSED, actor=actor, reason=code or "", after={"note": note})
    return view(row)


def complete_task(session: Session, *, task_id: int, actor: str, outcome: str) -> TaskView:
    """Mark a follow-up done: the emergency review's conclusion, or the notice sent."""
    task = session.get(TaskRow, task_id)
    if task is None:
        raise NotFoundError(f"no legal task {task_id}")
    if task.done_at is not None:
        raise ConflictError(f"task {task_id} is already done")
    if not outcome.strip():
        raise CounterspyError("describe the outcome", hint="it goes into the audit log")
    due = aware(task.due_at)
    if task.kind == TaskKind.USER_NOTICE and (due is None or due > now()):
        until = due.date().isoformat() if due else "no expiry"
        raise ConflictError(
            f"a non-disclosure order is in force ({until}); the user cannot be told yet",
            hint="the notice becomes due when the order expires",
        )
    task.done_at, task.done_by, task.outcome = now(), actor, outcome.strip()
    audit.record(
        session,
        actor=actor,
        action=f"legal.task.{task.kind}.done",
        subject_type="legal_request",
        subject_id=audit_subject(task.request_id),
        reason=outcome.strip(),
        after={"task": task.id, "kind": task.kind},
    )
    return task_view(task)


def due_tasks(
    session: Session, *, at: datetime | None = None, kind: TaskKind | None = None
) -> list[TaskView]:
    """Open tasks due at ``at`` (default now), oldest first."""
    at = at or now()
    q = (
        select(TaskRow)
        .where(TaskRow.done_at.is_(None), TaskRow.due_at.is_not(None), TaskRow.due_at <= at)
        .order_by(TaskRow.due_at, TaskRow.id)
    )
    if kind is not None:
        q = q.where(TaskRow.kind == kind.value)
    return [task_view(t) for t in session.execute(q).scalars()]


def open_tasks(session: Session) -> list[TaskView]:
    q = select(TaskRow).where(TaskRow.done_at.is_(None)).order_by(TaskRow.id)
    return [task_view(t) for t in session.execute(q).scalars()]


def designate_senior(session: Session, *, name: str, actor: str, remove: bool = False) -> None:
    row = session.get(SeniorReviewerRow, name)
    if remove:
        if row is None:
            raise NotFoundError(f"{name!r} is not a senior reviewer")
        session.delete(row)
    else:
        if row is not None:
            raise ConflictError(f"{name!r} is already a senior reviewer")
        session.add(SeniorReviewerRow(name=name, designated_by=actor, designated_at=now()))
    audit.record(
        session,
        actor=actor,
        action="legal.senior.remove" if remove else "legal.senior.add",
        subject_type="user",
        subject_id=name,
    )


def senior_reviewers(session: Session) -> list[str]:
    return list(
        session.execute(select(SeniorReviewerRow.name).order_by(SeniorReviewerRow.name)).scalars()
    )
