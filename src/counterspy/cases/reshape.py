"""Splitting and merging cases (investigators). Decisions, actions and appeals move with the
accounts; each operation's evidence goes to every case holding one of its accounts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from counterspy.audit.log import record
from counterspy.cases.evidence import canonical
from counterspy.cases.models import AppealRow, CaseAccountRow, CaseInfraRow, CaseRow
from counterspy.cases.views import (
    CaseState,
    Decision,
    case_accounts,
    case_infra,
    get_row,
    now,
    operations_of,
)
from counterspy.errors import ConflictError, CounterspyError, NotFoundError


@dataclass(frozen=True)
class ReshapeResult:
    case_id: int  # the case that received the accounts
    other_case_id: int  # the case they came from
    accounts_moved: int
    infrastructure_moved: int


def _reason(reason: str) -> None:
    if not reason.strip() or len(reason) > 2000:
        raise CounterspyError("a reason is required (at most 2000 characters)")


def _restate(case: CaseRow, rows: Sequence[CaseAccountRow]) -> None:
    if case.state == CaseState.CLOSED.value:
        return
    if rows and all(r.decision != Decision.PENDING.value for r in rows):
        case.state = CaseState.DECIDED.value
    elif case.state == CaseState.DECIDED.value or any(
        r.decision != Decision.PENDING.value for r in rows
    ):
        case.state = CaseState.IN_REVIEW.value


def _keep_operations(
    case: CaseRow, rows: Sequence[CaseAccountRow], extra: list[dict[str, object]]
) -> None:
    present = {r.operation_id for r in rows}
    ops = {str(o["operation_id"]): o for o in [*operations_of(case), *extra]}
    kept = [ops[k] for k in sorted(ops) if k in present]
    case.evidence = canonical({"operations": kept})


def split_case(
    session: Session, case_id: int, *, accounts: Sequence[str], actor: str, reason: str
) -> ReshapeResult:
    """Move ``accounts`` of a case to a new case (with their decisions and appeals)."""
    _reason(reason)
    case = get_row(session, case_id, lock=True)
    if case.state == CaseState.CLOSED.value:
        raise ConflictError(f"case {case_id} is closed")
    rows = {r.account_id: r for r in case_accounts(session, case_id)}
    wanted = list(dict.fromkeys(accounts))
    unknown = [a for a in wanted if a not in rows]
    if unknown:
        raise NotFoundError(f"not in case {case_id}: {', '.join(unknown[:10])}")
    if not wanted or len(wanted) >= len(rows):
        raise CounterspyError(
            "a split moves some, not all, accounts of a case",
            hint="to move every account, merge the case into another instead",
        )
    at = now()
    new = CaseRow(
        title=f"{case.title} (split)",
        state=CaseState.OPEN.value,
        firm=case.firm,
        confidence=case.confidence,
        assignee=None,
        opened_by=case.opened_by,
        opened_at=at,
        updated_at=at,
        evidence=case.evidence,
        evidence_sha256=case.evidence_sha256,
        split_from=case.id,
        split_by=actor,
    )
    session.add(new)
    session.flush()
    moving = [rows[a] for a in wanted]
    staying = [r for a, r in rows.items() if a not in set(wanted)]
    for r in moving:
        r.case_id = new.id
    session.execute(
        update(AppealRow)
        .where(AppealRow.case_id == case.id, AppealRow.account_id.in_(wanted))
        .values(case_id=new.id)
    )
    # Infrastructure used only by moved accounts moves; shared items are copied (undecided).
    moved_infra = 0
    gone = set(wanted)
    for item in case_infra(session, case.id):
        users = set(json.loads(item.detail)["accounts"])
        if users and users <= gone:
            item.case_id = new.id
            moved_infra += 1
        elif users & gone:
            session.add(
                CaseInfraRow(case_id=new.id, kind=item.kind, value=item.value, detail=item.detail,
                             decision=item.decision, reason_code=item.reason_code, note=item.note,
                             decided_by=item.decided_by, decided_at=item.decided_at,
                             action_id=item.action_id)
            )  # fmt: skip
    _keep_operations(new, moving, [])
    _keep_operations(case, staying, [])
    _restate(new, moving)
    _restate(case, staying)
    case.updated_at = at
    session.flush()
    record(
        session,
        actor=actor,
        action="case.split",
        subject_type="case",
        subject_id=str(case.id),
        reason=reason,
        before={"accounts": len(rows)},
        after={"accounts": len(staying), "new_case": new.id, "moved": sorted(wanted)},
    )
    return ReshapeResult(new.id, case.id, len(moving), moved_infra)


def merge_cases(
    session: Session, case_id: int, *, other: int, actor: str, reason: str
) -> ReshapeResult:
    """Merge case ``other`` into ``case_id``: accounts, decisions, infrastructure, appeals and
    evidence move; ``other`` is closed with ``merged_into`` pointing here."""
    _reason(reason)
    if case_id == other:
        raise CounterspyError("a case cannot be merged into itself")
    first, second = sorted((case_id, other))  # lock in id order: no deadlock between merges
    rows_locked = {
        first: get_row(session, first, lock=True),
        second: get_row(session, second, lock=True),
    }
    case, source = rows_locked[case_id], rows_locked[other]
    for c in (case, source):
        if c.state == CaseState.CLOSED.value:
            raise ConflictError(f"case {c.id} is closed")
    moving = case_accounts(session, other)
    for r in moving:
        r.case_id = case.id
    session.execute(update(AppealRow).where(AppealRow.case_id == other).values(case_id=case.id))
    mine = {(i.kind, i.value): i for i in case_infra(session, case.id)}
    moved_infra = 0
    for item in case_infra(session, other):
        have = mine.get((item.kind, item.value))
        if have is None:
            item.case_id = case.id
            moved_infra += 1
            continue
        if have.decision == Decision.PENDING.value and item.decision != Decision.PENDING.value:
            have.decision, have.reason_code, have.note = item.decision, item.reason_code, item.note
            have.decided_by, have.decided_at, have.action_id = (
                item.decided_by, item.decided_at, item.action_id,
            )  # fmt: skip
        session.delete(item)
    session.flush()
    _keep_operations(case, case_accounts(session, case.id), operations_of(source))
    if case.firm != source.firm:
        case.firm = "mixed"
    case.confidence = min(case.confidence, source.confidence)
    source.state, source.merged_into = CaseState.CLOSED.value, case.id
    source.evidence = canonical({"operations": []})
    _restate(case, case_accounts(session, case.id))
    case.updated_at = source.updated_at = now()
    session.flush()
    record(
        session,
        actor=actor,
        action="case.merge",
        subject_type="case",
        subject_id=str(case.id),
        reason=reason,
        before={"merged_case": other},
        after={"accounts_moved": len(moving), "infrastructure_moved": moved_infra},
    )
    record(
        session,
        actor=actor,
        action="case.state",
        subject_type="case",
        subject_id=str(other),
        reason=f"merged into case {case.id}: {reason}",
        after={"state": CaseState.CLOSED.value, "merged_into": case.id},
    )
    return ReshapeResult(case.id, other, len(moving), moved_infra)
