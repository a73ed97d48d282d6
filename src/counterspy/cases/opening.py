"""Turning detected operations into cases, idempotently.

An account belongs to at most one case. For each detected operation, the case holding most of
its accounts takes it (ties: the older case); accounts never seen before join that case; an
operation none of whose accounts is in a case opens a new one. Re-running detection and
re-opening therefore never duplicates a case; when the evidence changed (new accounts, other
signals, new infrastructure, different attribution) the case's snapshot is updated, the change
is audited and the case is flagged (``evidence_changed_at``) until someone reviews it. Closed
cases are never reopened: new accounts of their operation open a new case.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit.log import record
from counterspy.cases.evidence import DetectedOperation, canonical, digest, read_detection
from counterspy.cases.models import CaseAccountRow, CaseInfraRow, CaseRow
from counterspy.cases.views import CaseState, Decision, now, operations_of
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.workspace import Workspace


@dataclass(frozen=True)
class OpenSummary:
    operations: int
    created: tuple[int, ...]
    updated: tuple[int, ...]  # evidence changed: flagged for review
    unchanged: tuple[int, ...]
    accounts_added: int


def _existing(session: Session, accounts: Sequence[str]) -> dict[str, CaseAccountRow]:
    out: dict[str, CaseAccountRow] = {}
    for k in range(0, len(accounts), 500):
        q = select(CaseAccountRow).where(CaseAccountRow.account_id.in_(accounts[k : k + 500]))
        out.update({r.account_id: r for r in session.execute(q).scalars()})
    return out


def _case_doc(row: CaseRow, session: Session) -> dict[str, object]:
    """What the evidence digest covers: operations, accounts' evidence, infrastructure."""
    accounts = session.execute(
        select(CaseAccountRow.account_id, CaseAccountRow.evidence)
        .where(CaseAccountRow.case_id == row.id)
        .order_by(CaseAccountRow.account_id)
    ).all()
    infra = session.execute(
        select(CaseInfraRow.kind, CaseInfraRow.value, CaseInfraRow.detail)
        .where(CaseInfraRow.case_id == row.id)
        .order_by(CaseInfraRow.kind, CaseInfraRow.value)
    ).all()
    return {
        "operations": operations_of(row),
        "accounts": [[a, json.loads(e)] for a, e in accounts],
        "infrastructure": [[k, v, json.loads(d)] for k, v, d in infra],
    }


def _new_case(session: Session, op: DetectedOperation, actor: str) -> CaseRow:
    ev = op.operation
    at = now()
    row = CaseRow(
        title=f"{ev.operation_id} ({ev.firm})",
        state=CaseState.OPEN.value,
        firm=ev.firm,
        confidence=ev.confidence,
        opened_by=actor,
        opened_at=at,
        updated_at=at,
        evidence=canonical({"operations": [ev.to_json()]}),
        evidence_sha256="",
    )
    session.add(row)
    session.flush()
    return row


def _apply(
    session: Session, case: CaseRow, op: DetectedOperation, have: dict[str, CaseAccountRow]
) -> int:
    """Bring ``case`` up to date with ``op``; returns the number of accounts added."""
    ops = [o for o in operations_of(case) if o["operation_id"] != op.operation.operation_id]
    ops.append(op.operation.to_json())
    ops.sort(key=lambda o: str(o["operation_id"]))
    case.evidence = canonical({"operations": ops})
    if len(ops) == 1:
        case.firm, case.confidence = op.operation.firm, op.operation.confidence
    added = 0
    for acc in op.accounts:
        evidence = canonical(acc.to_json())
        row = have.get(acc.account_id)
        if row is None:
            row = CaseAccountRow(
                case_id=case.id,
                account_id=acc.account_id,
                operation_id=acc.operation_id,
                score=acc.score,
                role=acc.role,
                evidence=evidence,
                decision=Decision.PENDING.value,
            )
            session.add(row)
            have[acc.account_id] = row
            added += 1
        elif row.evidence != evidence or row.score != acc.score:
            # Evidence belongs to the account wherever it sits (a split may have moved it),
            # but a closed case's record stays as it was decided.
            holder = session.get(CaseRow, row.case_id)
            if holder is not None and holder.state != CaseState.CLOSED.value:
                row.evidence, row.score, row.role = evidence, acc.score, acc.role
    infra = {
        (r.kind, r.value): r
        for r in session.execute(
            select(CaseInfraRow).where(CaseInfraRow.case_id == case.id)
        ).scalars()
    }
    for item in op.infrastructure:
        detail = canonical(item.to_json())
        found = infra.get((item.kind, item.value))
        if found is None:
            session.add(
                CaseInfraRow(
                    case_id=case.id,
                    kind=item.kind,
                    value=item.value,
                    detail=detail,
                    decision=Decision.PENDING.value,
                )
            )
        elif found.detail != detail:
            found.detail = detail
    session.flush()
    return added


def _holder(
    session: Session, op: DetectedOperation, have: dict[str, CaseAccountRow]
) -> CaseRow | None:
    votes = Counter(have[a.account_id].case_id for a in op.accounts if a.account_id in have)
    for case_id, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
        row = session.get(CaseRow, case_id)
        while row is not None and row.merged_into is not None:
            row = session.get(CaseRow, row.merged_into)
        if row is not None and row.state != CaseState.CLOSED.value:
            return row
    return None


def open_cases(
    session: Session,
    workspace: Workspace,
    *,
    actor: str,
    progress: Progress = NULL_PROGRESS,
) -> OpenSummary:
    """Open (or update) one case per detected operation of ``workspace``; audited."""
    detected = [op for op in read_detection(workspace) if op.accounts]
    progress.begin("opening cases", len(detected))
    have = _existing(session, [a.account_id for op in detected for a in op.accounts])
    created: list[int] = []
    updated: list[int] = []
    unchanged: list[int] = []
    added_total = 0
    for op in detected:
        case = _holder(session, op, have)
        is_new = case is None
        if case is None:
            if all(a.account_id in have for a in op.accounts):
                continue  # every account sits in closed cases: nothing new to decide
            case = _new_case(session, op, actor)
        before = case.evidence_sha256
        added = _apply(session, case, op, have)
        added_total += added
        after = digest(_case_doc(case, session))
        case.evidence_sha256 = after
        op_id = op.operation.operation_id
        if is_new:
            created.append(case.id)
            record(
                session,
                actor=actor,
                action="case.open",
                subject_type="case",
                subject_id=str(case.id),
                reason=f"detected operation {op_id}",
                after={"state": case.state, "operation": op_id, "accounts": added,
                       "evidence_sha256": after},
            )  # fmt: skip
        elif before != after:
            case.updated_at = case.evidence_changed_at = now()
            state_before = case.state
            if added and case.state == CaseState.DECIDED.value:
                case.state = CaseState.IN_REVIEW.value  # new accounts await a decision
            updated.append(case.id)
            record(
                session,
                actor=actor,
                action="case.evidence_update",
                subject_type="case",
                subject_id=str(case.id),
                reason=f"detection changed operation {op_id}",
                before={"evidence_sha256": before, "state": state_before},
                after={"evidence_sha256": after, "state": case.state, "accounts_added": added},
            )
        else:
            unchanged.append(case.id)
        progress.advance(1)
    session.flush()
    return OpenSummary(len(detected), tuple(created), tuple(updated), tuple(unchanged), added_total)


def acknowledge_evidence(session: Session, case_id: int, *, actor: str) -> bool:
    """Clear the "evidence changed" flag after looking at the new evidence (audited)."""
    from counterspy.cases.views import get_row

    row = get_row(session, case_id, lock=True)
    if row.evidence_changed_at is None:
        return False
    row.evidence_changed_at = None
    record(
        session,
        actor=actor,
        action="case.evidence_ack",
        subject_type="case",
        subject_id=str(case_id),
        after={"evidence_sha256": row.evidence_sha256},
    )
    return True
