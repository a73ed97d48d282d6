"""Appeals by account owners (recorded by staff on their behalf) and reversal.

An appeal goes to a reviewer other than the one who approved the original action: named
explicitly or, by default, the active user with ``cases:review`` who has the fewest open appeals.
If nobody but the original approver could take it, filing fails with ``ConflictError`` (409).
The decision is made by someone other than the original approver, too. Reinstating enqueues a
``reinstate_account`` action through the same adapter and outbox as the disable (or cancels the
disable if no worker has picked it up yet); everything is audited in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.audit.log import record
from counterspy.auth.models import UserRow
from counterspy.auth.roles import Permission, Role, permissions_of
from counterspy.cases.codes import Use, check_code
from counterspy.cases.models import AppealRow, CaseAccountRow
from counterspy.cases.views import (
    AppealInfo,
    AppealState,
    Decision,
    action_statuses,
    appeal_view,
    now,
)
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.enforce.models import EnforcementActionRow
from counterspy.errors import ConflictError, CounterspyError, NotFoundError


class AppealDecision(StrEnum):
    UPHELD = "upheld"
    REINSTATED = "reinstated"


def _reviewers(session: Session) -> list[str]:
    roles = [r.value for r in Role if Permission.CASES_REVIEW in permissions_of(r)]
    q = select(UserRow.name).where(UserRow.active.is_(True), UserRow.role.in_(roles))
    return sorted(session.execute(q).scalars())


def _choose_assignee(session: Session, approver: str, wanted: str | None) -> str:
    eligible = [n for n in _reviewers(session) if n != approver]
    if wanted is not None:
        if wanted == approver:
            raise ConflictError(
                f"{wanted} approved the original action and cannot review its appeal",
                hint="name a different reviewer",
            )
        if wanted not in eligible:
            raise NotFoundError(f"{wanted!r} is not an active user who may review cases")
        return wanted
    if not eligible:
        raise ConflictError(
            f"no reviewer other than {approver} (who approved the action) can take the appeal",
            hint="create or activate another user with a reviewing role",
        )
    load = Counter(
        dict(
            session.execute(
                select(AppealRow.assignee, func.count())
                .where(AppealRow.state == AppealState.OPEN.value)
                .group_by(AppealRow.assignee)
            ).all()
        )
    )
    return min(eligible, key=lambda n: (load.get(n, 0), n))


def _text(value: str, what: str, limit: int) -> None:
    if not value.strip() or len(value) > limit or "\x00" in value:
        raise CounterspyError(f"{what} must be 1-{limit} characters of text")


def file_appeal(
    session: Session,
    *,
    account_id: str,
    statement: str,
    filed_by: str,
    assignee: str | None = None,
) -> AppealInfo:
    """Record an owner's appeal against the enforcement on ``account_id``."""
    _text(statement, "an appeal statement", 10_000)
    row = session.execute(
        select(CaseAccountRow).where(CaseAccountRow.account_id == account_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"account {account_id[:200]!r} is in no case")
    if row.decision != Decision.APPROVED.value or row.decided_by is None:
        raise ConflictError(
            f"account {account_id} has no approved action to appeal (decision: {row.decision})"
        )
    open_one = session.execute(
        select(AppealRow.id).where(
            AppealRow.account_id == account_id, AppealRow.state == AppealState.OPEN.value
        )
    ).scalar_one_or_none()
    if open_one is not None:
        raise ConflictError(f"appeal {open_one} for {account_id} is still open")
    reviewer = _choose_assignee(session, row.decided_by, assignee)
    appeal = AppealRow(
        account_id=account_id,
        case_id=row.case_id,
        statement=statement,
        filed_by=filed_by,
        filed_at=now(),
        original_approver=row.decided_by,
        assignee=reviewer,
        state=AppealState.OPEN.value,
    )
    session.add(appeal)
    session.flush()
    record(
        session,
        actor=filed_by,
        action="appeal.file",
        subject_type="account",
        subject_id=account_id,
        reason="owner's appeal recorded",
        evidence_ref=f"appeal-{appeal.id}",
        after={"appeal": appeal.id, "case": row.case_id, "assignee": reviewer,
               "original_approver": row.decided_by},
    )  # fmt: skip
    return appeal_view(appeal, None)


def get_appeal(session: Session, appeal_id: int) -> AppealInfo:
    row = session.get(AppealRow, appeal_id)
    if row is None:
        raise NotFoundError(f"no appeal {appeal_id}")
    return appeal_view(row, action_statuses(session, [row.action_id]).get(row.action_id or -1))


def list_appeals(
    session: Session, *, state: AppealState | None = None, assignee: str | None = None,
    limit: int = 500, offset: int = 0,
) -> list[AppealInfo]:  # fmt: skip
    q = select(AppealRow).order_by(AppealRow.id.desc())
    if state is not None:
        q = q.where(AppealRow.state == state.value)
    if assignee is not None:
        q = q.where(AppealRow.assignee == assignee)
    rows = list(session.execute(q.limit(limit).offset(offset)).scalars())
    statuses = action_statuses(session, [r.action_id for r in rows])
    return [appeal_view(r, statuses.get(r.action_id or -1)) for r in rows]


def decide_appeal(
    session: Session,
    appeal_id: int,
    *,
    decision: AppealDecision,
    reason_code: str,
    actor: str,
    note: str | None = None,
    adapter: str = "webhook",
) -> AppealInfo:
    """Uphold the action, or reinstate the account through the same adapter (idempotent)."""
    check_code(reason_code, Use.UPHOLD if decision == AppealDecision.UPHELD else Use.REINSTATE)
    if note is not None:
        _text(note, "a note", 4000)
    appeal = session.execute(
        select(AppealRow).where(AppealRow.id == appeal_id).with_for_update()
    ).scalar_one_or_none()
    if appeal is None:
        raise NotFoundError(f"no appeal {appeal_id}")
    if appeal.state != AppealState.OPEN.value:
        if appeal.state == decision.value:
            return get_appeal(session, appeal_id)  # same decision again: nothing new
        raise ConflictError(f"appeal {appeal_id} was already decided: {appeal.state}")
    if actor == appeal.original_approver:
        raise ConflictError(
            f"{actor} approved the original action and cannot decide its appeal",
            hint=f"the appeal is assigned to {appeal.assignee}",
        )
    account = session.execute(
        select(CaseAccountRow)
        .where(CaseAccountRow.account_id == appeal.account_id)
        .with_for_update()
    ).scalar_one()
    if decision == AppealDecision.REINSTATED:
        appeal.action_id = _reverse(session, account, appeal, reason_code, actor, adapter)
        before = {"decision": account.decision}
        account.decision = Decision.REINSTATED.value
        account.decided_by, account.decided_at = actor, now()
        account.reason_code, account.note = reason_code, note
        record(
            session,
            actor=actor,
            action="case.review",
            subject_type="account",
            subject_id=account.account_id,
            reason=reason_code,
            evidence_ref=f"appeal-{appeal.id}",
            before=before,
            after={"decision": Decision.REINSTATED.value, "action_id": appeal.action_id},
        )
    appeal.state = decision.value
    appeal.reason_code, appeal.note = reason_code, note
    appeal.decided_by, appeal.decided_at = actor, now()
    session.flush()
    record(
        session,
        actor=actor,
        action=f"appeal.{decision.value}",
        subject_type="account",
        subject_id=appeal.account_id,
        reason=reason_code,
        evidence_ref=f"appeal-{appeal.id}",
        before={"state": AppealState.OPEN.value},
        after={"state": decision.value, "action_id": appeal.action_id, "note": note},
    )
    return get_appeal(session, appeal_id)


def _reverse(
    session: Session,
    account: CaseAccountRow,
    appeal: AppealRow,
    code: str,
    actor: str,
    adapter: str,
) -> int | None:
    """Cancel the disable if still pending, else enqueue ``reinstate_account``."""
    disable = session.get(EnforcementActionRow, account.action_id) if account.action_id else None
    if disable is not None and disable.status == ActionStatus.PENDING.value:
        outbox.cancel_actions(session, actor=actor, reason=f"appeal {appeal.id}: {code}",
                              ids=[disable.id])  # fmt: skip
        return None
    result = outbox.enqueue_actions(
        session,
        kind=ActionKind.REINSTATE_ACCOUNT,
        targets=[account.account_id],
        reason=code,
        decided_by=actor,
        evidence_ref=f"appeal-{appeal.id}",
        batch=f"appeal-{appeal.id}",
        adapter=disable.adapter if disable is not None else adapter,
    )
    return result.created[0] if result.created else None
