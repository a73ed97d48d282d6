"""Reviewing a case: approve or reject accounts and infrastructure with a policy reason code.

Approving writes enforcement actions to the outbox in the same transaction as the decision
(``disable_account`` per account, ``block_infrastructure`` per domain or IP). Deciding the same
way twice changes nothing and creates nothing. Turning an approval into a rejection cancels its
action while no worker has picked it up; once delivered, only an appeal can reverse it.

Four eyes: whoever opened the case, or split it off, may not approve its actions
(``ConflictError``); they may still reject.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit.log import record
from counterspy.cases.codes import Use, check_code
from counterspy.cases.models import CaseAccountRow, CaseInfraRow, CaseRow
from counterspy.cases.sync import check_takedowns
from counterspy.cases.views import (
    CaseState,
    Decision,
    case_accounts,
    case_infra,
    get_row,
    now,
)
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionStatus, TargetKind
from counterspy.enforce.models import EnforcementActionRow
from counterspy.errors import ConflictError, CounterspyError, NotFoundError

MAX_NOTE = 4000
_DECISIONS = (Decision.APPROVED, Decision.REJECTED)
_INFRA_KINDS = {"domain": TargetKind.DOMAIN, "ip": TargetKind.IP, "url": TargetKind.URL}


@dataclass(frozen=True)
class ReviewResult:
    case_id: int
    decided: tuple[str, ...]  # accounts or "kind:value" items whose decision changed
    unchanged: tuple[str, ...]  # already decided this way
    actions_created: tuple[int, ...]
    actions_cancelled: tuple[int, ...]
    state: CaseState


def _check(decision: Decision, reason_code: str, note: str | None) -> None:
    if decision not in _DECISIONS:
        raise CounterspyError(f"a review decides approved or rejected, not {decision.value}")
    check_code(reason_code, Use.APPROVE if decision == Decision.APPROVED else Use.REJECT)
    if note is not None and (len(note) > MAX_NOTE or "\x00" in note):
        raise CounterspyError(f"note too long or not text (at most {MAX_NOTE} characters)")


def _four_eyes(case: CaseRow, actor: str) -> None:
    if actor in {case.opened_by, case.split_by}:
        raise ConflictError(
            f"{actor} opened or split case {case.id} and may not approve its actions",
            hint="another reviewer must approve (four-eyes rule)",
        )


def _update_state(session: Session, case: CaseRow, actor: str, reason: str) -> None:
    rows = case_accounts(session, case.id)
    wanted = (
        CaseState.DECIDED
        if rows and all(r.decision != Decision.PENDING.value for r in rows)
        else CaseState.IN_REVIEW
    )
    if case.state == CaseState.CLOSED.value or case.state == wanted.value:
        return
    before = case.state
    case.state = wanted.value
    case.updated_at = now()
    record(
        session,
        actor=actor,
        action="case.state",
        subject_type="case",
        subject_id=str(case.id),
        reason=reason,
        before={"state": before},
        after={"state": wanted.value},
    )


def _latest_actions(session: Session, kind: ActionKind, targets: Sequence[str]) -> dict[str, int]:
    """Each target's newest live (not failed or cancelled) action of ``kind``."""
    out: dict[str, int] = {}
    for k in range(0, len(targets), 500):
        rows = session.execute(
            select(EnforcementActionRow.target, EnforcementActionRow.id).where(
                EnforcementActionRow.kind == kind.value,
                EnforcementActionRow.target.in_(targets[k : k + 500]),
                EnforcementActionRow.status.not_in(
                    (ActionStatus.FAILED.value, ActionStatus.CANCELLED.value)
                ),
            )
        )
        for target, action_id in rows:
            out[target] = max(action_id, out.get(target, 0))
    return out


def _undo_approval(session: Session, action_id: int | None, label: str, actor: str) -> int | None:
    """Cancel a not-yet-delivered action; refuse when it may already be at the platform."""
    if action_id is None:
        return None
    row = session.get(EnforcementActionRow, action_id)
    if row is None or row.status in (ActionStatus.CANCELLED.value, ActionStatus.FAILED.value):
        return None
    if row.status != ActionStatus.PENDING.value:
        raise ConflictError(
            f"{label}: its action {action_id} is already {row.status}",
            hint="a delivered action is reversed through an appeal (`counterspy cases appeal`)",
        )
    outbox.cancel_actions(
        session, actor=actor, reason="decision changed to rejected", ids=[action_id]
    )
    return action_id


def _pick(
    rows: dict[str, CaseAccountRow], wanted: Sequence[str] | None, case_id: int
) -> list[CaseAccountRow]:
    if wanted is None:
        return [r for r in rows.values() if r.decision == Decision.PENDING.value]
    unknown = sorted({a for a in wanted if a not in rows})
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        raise NotFoundError(f"not in case {case_id}: {shown}", hint="see `counterspy cases show`")
    return [rows[a] for a in dict.fromkeys(wanted)]


def review_accounts(
    session: Session,
    case_id: int,
    *,
    decision: Decision,
    reason_code: str,
    actor: str,
    accounts: Sequence[str] | None = None,
    note: str | None = None,
    adapter: str = "webhook",
) -> ReviewResult:
    """Approve or reject ``accounts`` of a case (``None``: every account still pending)."""
    _check(decision, reason_code, note)
    case = get_row(session, case_id, lock=True)
    if case.state == CaseState.CLOSED.value:
        raise ConflictError(f"case {case_id} is closed")
    if decision == Decision.APPROVED:
        _four_eyes(case, actor)
    rows = {r.account_id: r for r in case_accounts(session, case_id)}
    chosen = _pick(rows, accounts, case_id)
    decided: list[CaseAccountRow] = []
    unchanged: list[str] = []
    cancelled: list[int] = []
    for row in chosen:
        if row.decision == decision.value:
            unchanged.append(row.account_id)
            continue
        if row.decision == Decision.REINSTATED.value:
            raise ConflictError(
                f"account {row.account_id} was reinstated on appeal",
                hint="open a new case if it is active again",
            )
        if decision == Decision.REJECTED:
            gone = _undo_approval(session, row.action_id, f"account {row.account_id}", actor)
            cancelled += [gone] if gone else []
        decided.append(row)
    created: tuple[int, ...] = ()
    to_approve = [r.account_id for r in decided if decision == Decision.APPROVED]
    if to_approve:
        created = outbox.enqueue_actions(
            session,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=to_approve,
            reason=reason_code,
            decided_by=actor,
            evidence_ref=f"case-{case_id}",
            batch=f"case-{case_id}-{secrets.token_hex(4)}",
            adapter=adapter,
        ).created
    at = now()
    latest = _latest_actions(session, ActionKind.DISABLE_ACCOUNT, to_approve) if to_approve else {}
    for row in decided:
        before = {"decision": row.decision, "reason_code": row.reason_code}
        row.decision, row.reason_code, row.note = decision.value, reason_code, note
        row.decided_by, row.decided_at = actor, at
        row.action_id = latest.get(row.account_id)
        record(
            session,
            actor=actor,
            action="case.review",
            subject_type="account",
            subject_id=row.account_id,
            reason=reason_code,
            evidence_ref=f"case-{case_id}",
            before=before,
            after={"decision": decision.value, "reason_code": reason_code, "note": note,
                   "action_id": row.action_id},
        )  # fmt: skip
    if case.assignee is None and decided:
        case.assignee = actor
    _update_state(session, case, actor, f"review by {actor}")
    session.flush()
    check_takedowns(session, {r.operation_id for r in rows.values()}, actor=actor)
    return ReviewResult(
        case_id,
        tuple(r.account_id for r in decided),
        tuple(unchanged),
        created,
        tuple(cancelled),
        CaseState(case.state),
    )


def review_infrastructure(
    session: Session,
    case_id: int,
    *,
    decision: Decision,
    reason_code: str,
    actor: str,
    items: Sequence[tuple[str, str]] | None = None,
    note: str | None = None,
) -> ReviewResult:
    """Approve (block) or reject infrastructure items ``(kind, value)`` of a case."""
    _check(decision, reason_code, note)
    case = get_row(session, case_id, lock=True)
    if case.state == CaseState.CLOSED.value:
        raise ConflictError(f"case {case_id} is closed")
    if decision == Decision.APPROVED:
        _four_eyes(case, actor)
    rows = {(r.kind, r.value): r for r in case_infra(session, case_id)}
    if items is None:
        chosen = [r for r in rows.values() if r.decision == Decision.PENDING.value]
    else:
        unknown = sorted({f"{k}:{v}" for k, v in items if (k, v) not in rows})
        if unknown:
            raise NotFoundError(f"not in case {case_id}: {', '.join(unknown[:10])}")
        chosen = [rows[i] for i in dict.fromkeys(items)]
    decided: list[CaseInfraRow] = []
    unchanged: list[str] = []
    cancelled: list[int] = []
    for row in chosen:
        if row.decision == decision.value:
            unchanged.append(f"{row.kind}:{row.value}")
            continue
        if decision == Decision.REJECTED:
            gone = _undo_approval(session, row.action_id, f"{row.kind} {row.value}", actor)
            cancelled += [gone] if gone else []
        decided.append(row)
    created: list[int] = []
    batch = f"case-{case_id}-{secrets.token_hex(4)}"
    at = now()
    for row in decided:
        before = {"decision": row.decision, "reason_code": row.reason_code}
        row.action_id = None
        if decision == Decision.APPROVED:
            result = outbox.enqueue_actions(
                session,
                kind=ActionKind.BLOCK_INFRASTRUCTURE,
                targets=[row.value],
                target_kind=_INFRA_KINDS[row.kind],
                reason=reason_code,
                decided_by=actor,
                evidence_ref=f"case-{case_id}",
                batch=batch,
            )
            created += result.created
            row.action_id = result.created[0] if result.created else None
        row.decision, row.reason_code, row.note = decision.value, reason_code, note
        row.decided_by, row.decided_at = actor, at
        record(
            session,
            actor=actor,
            action="case.review_infrastructure",
            subject_type=row.kind,
            subject_id=row.value,
            reason=reason_code,
            evidence_ref=f"case-{case_id}",
            before=before,
            after={"decision": decision.value, "action_id": row.action_id, "note": note},
        )
    session.flush()
    return ReviewResult(
        case_id,
        tuple(f"{r.kind}:{r.value}" for r in decided),
        tuple(unchanged),
        tuple(created),
        tuple(cancelled),
        CaseState(case.state),
    )


def assign_case(session: Session, case_id: int, *, assignee: str, actor: str) -> CaseState:
    """Give a case to a reviewer; an open case moves to ``in_review``."""
    if not assignee.strip() or len(assignee) > 200:
        raise CounterspyError("an assignee name is 1-200 characters")
    case = get_row(session, case_id, lock=True)
    if case.state == CaseState.CLOSED.value:
        raise ConflictError(f"case {case_id} is closed")
    before = {"assignee": case.assignee, "state": case.state}
    case.assignee = assignee
    if case.state == CaseState.OPEN.value:
        case.state = CaseState.IN_REVIEW.value
    case.updated_at = now()
    record(
        session,
        actor=actor,
        action="case.assign",
        subject_type="case",
        subject_id=str(case_id),
        before=before,
        after={"assignee": assignee, "state": case.state},
    )
    return CaseState(case.state)


def close_case(session: Session, case_id: int, *, actor: str, reason: str) -> bool:
    """Close a decided case (every account has a decision). False if already closed."""
    if not reason.strip() or len(reason) > MAX_NOTE:
        raise CounterspyError("closing a case needs a reason")
    case = get_row(session, case_id, lock=True)
    if case.state == CaseState.CLOSED.value:
        return False
    if case.state != CaseState.DECIDED.value:
        raise ConflictError(
            f"case {case_id} is {case.state}: decide every account before closing it"
        )
    case.state = CaseState.CLOSED.value
    case.updated_at = now()
    record(
        session,
        actor=actor,
        action="case.state",
        subject_type="case",
        subject_id=str(case_id),
        reason=reason,
        before={"state": CaseState.DECIDED.value},
        after={"state": CaseState.CLOSED.value},
    )
    return True


def case_action_ids(session: Session, case_id: int) -> list[int]:
    """Ids of every enforcement action a decision in this case created (and its appeals')."""
    from counterspy.cases.models import AppealRow

    get_row(session, case_id)
    ids = [r.action_id for r in case_accounts(session, case_id)]
    ids += [r.action_id for r in case_infra(session, case_id)]
    ids += list(
        session.execute(select(AppealRow.action_id).where(AppealRow.case_id == case_id)).scalars()
    )
    return sorted({i for i in ids if i is not None})
