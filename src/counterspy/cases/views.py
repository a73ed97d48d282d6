"""Read side of cases: frozen views for the API, CLI and console, and shared row helpers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.cases.evidence import OperationEvidence
from counterspy.cases.models import AppealRow, CaseAccountRow, CaseInfraRow, CaseRow
from counterspy.detect.results import SignalRow
from counterspy.enforce.models import EnforcementActionRow
from counterspy.errors import NotFoundError


class CaseState(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    CLOSED = "closed"


class Decision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REINSTATED = "reinstated"  # approved, then reversed on appeal


class AppealState(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REINSTATED = "reinstated"


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CaseSummary:
    id: int
    title: str
    state: CaseState
    firm: str
    confidence: float
    assignee: str | None
    operations: tuple[str, ...]
    accounts: int
    decisions: dict[str, int]
    infrastructure: int
    evidence_changed_at: datetime | None
    opened_by: str
    opened_at: datetime
    updated_at: datetime
    split_from: int | None
    merged_into: int | None


@dataclass(frozen=True)
class CaseAccount:
    account_id: str
    operation_id: str
    score: float
    role: str
    phases: tuple[str, ...]
    signals: tuple[SignalRow, ...]
    decision: Decision
    reason_code: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    action_id: int | None
    action_status: str | None


@dataclass(frozen=True)
class CaseInfra:
    kind: str
    value: str
    accounts: tuple[str, ...]
    events: int
    label: str
    reason: str
    decision: Decision
    reason_code: str | None
    decided_by: str | None
    action_id: int | None
    action_status: str | None


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    operations: tuple[OperationEvidence, ...]
    accounts: tuple[CaseAccount, ...]
    infrastructure: tuple[CaseInfra, ...]


@dataclass(frozen=True)
class AppealInfo:
    id: int
    account_id: str
    case_id: int
    statement: str
    filed_by: str
    filed_at: datetime
    original_approver: str
    assignee: str
    state: AppealState
    reason_code: str | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    action_id: int | None
    action_status: str | None


def operations_of(row: CaseRow) -> list[dict[str, object]]:
    ops: list[dict[str, object]] = json.loads(row.evidence)["operations"]
    return ops


def _operation(doc: dict[str, object]) -> OperationEvidence:
    targets = doc["targets"]
    assert isinstance(targets, dict)
    return OperationEvidence(
        operation_id=str(doc["operation_id"]),
        firm=str(doc["firm"]),
        confidence=float(doc["confidence"]),  # type: ignore[arg-type]
        rationale=str(doc["rationale"]),
        phases=tuple(doc["phases"]),  # type: ignore[arg-type]
        n_accounts=int(doc["n_accounts"]),  # type: ignore[call-overload]
        targets_total=int(targets["total"]),
        targets_at_risk=int(targets["at_risk"]),
        targets_by_phase=dict(targets["by_phase"]),
        targets_by_country=dict(targets["by_country"]),
    )


def get_row(session: Session, case_id: int, *, lock: bool = False) -> CaseRow:
    q = select(CaseRow).where(CaseRow.id == case_id)
    row = session.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"no case {case_id}", hint="`counterspy cases list` shows the cases")
    return row


def action_statuses(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, str] = {}
    for k in range(0, len(wanted), 500):
        rows = session.execute(
            select(EnforcementActionRow.id, EnforcementActionRow.status).where(
                EnforcementActionRow.id.in_(wanted[k : k + 500])
            )
        )
        out.update({int(i): str(st) for i, st in rows})
    return out


def _summary(row: CaseRow, decisions: Counter[str], infra: int) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        title=row.title,
        state=CaseState(row.state),
        firm=row.firm,
        confidence=row.confidence,
        assignee=row.assignee,
        operations=tuple(str(o["operation_id"]) for o in operations_of(row)),
        accounts=sum(decisions.values()),
        decisions={d.value: decisions.get(d.value, 0) for d in Decision},
        infrastructure=infra,
        evidence_changed_at=aware(row.evidence_changed_at),
        opened_by=row.opened_by,
        opened_at=aware(row.opened_at) or row.opened_at,
        updated_at=aware(row.updated_at) or row.updated_at,
        split_from=row.split_from,
        merged_into=row.merged_into,
    )


def list_cases(
    session: Session,
    *,
    state: CaseState | None = None,
    assignee: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[CaseSummary]:
    """Cases, newest first, with decision counts."""
    q = select(CaseRow).order_by(CaseRow.id.desc())
    if state is not None:
        q = q.where(CaseRow.state == state.value)
    if assignee is not None:
        q = q.where(CaseRow.assignee == assignee)
    rows = list(session.execute(q.limit(limit).offset(offset)).scalars())
    ids = [r.id for r in rows]
    counts: dict[int, Counter[str]] = {i: Counter() for i in ids}
    infra: Counter[int] = Counter()
    if ids:
        for case_id, decision, n in session.execute(
            select(CaseAccountRow.case_id, CaseAccountRow.decision, func.count())
            .where(CaseAccountRow.case_id.in_(ids))
            .group_by(CaseAccountRow.case_id, CaseAccountRow.decision)
        ):
            counts[case_id][decision] = n
        for case_id, n in session.execute(
            select(CaseInfraRow.case_id, func.count())
            .where(CaseInfraRow.case_id.in_(ids))
            .group_by(CaseInfraRow.case_id)
        ):
            infra[case_id] = n
    return [_summary(r, counts[r.id], infra[r.id]) for r in rows]


def account_view(row: CaseAccountRow, status: str | None) -> CaseAccount:
    doc = json.loads(row.evidence)
    return CaseAccount(
        account_id=row.account_id,
        operation_id=row.operation_id,
        score=row.score,
        role=row.role,
        phases=tuple(doc["phases"]),
        signals=tuple(SignalRow(**s) for s in doc["signals"]),
        decision=Decision(row.decision),
        reason_code=row.reason_code,
        note=row.note,
        decided_by=row.decided_by,
        decided_at=aware(row.decided_at),
        action_id=row.action_id,
        action_status=status,
    )


def infra_view(row: CaseInfraRow, status: str | None) -> CaseInfra:
    doc = json.loads(row.detail)
    return CaseInfra(
        kind=row.kind,
        value=row.value,
        accounts=tuple(doc["accounts"]),
        events=int(doc["events"]),
        label=str(doc["label"]),
        reason=str(doc["reason"]),
        decision=Decision(row.decision),
        reason_code=row.reason_code,
        decided_by=row.decided_by,
        action_id=row.action_id,
        action_status=status,
    )


def case_accounts(session: Session, case_id: int) -> list[CaseAccountRow]:
    q = select(CaseAccountRow).where(CaseAccountRow.case_id == case_id)
    return list(session.execute(q.order_by(CaseAccountRow.account_id)).scalars())


def case_infra(session: Session, case_id: int) -> list[CaseInfraRow]:
    q = select(CaseInfraRow).where(CaseInfraRow.case_id == case_id)
    return list(session.execute(q.order_by(CaseInfraRow.kind, CaseInfraRow.value)).scalars())


def get_case(session: Session, case_id: int) -> CaseDetail:
    """One case with its evidence, decisions and the delivery state of its actions."""
    row = get_row(session, case_id)
    accounts = case_accounts(session, case_id)
    infra = case_infra(session, case_id)
    statuses = action_statuses(
        session, [a.action_id for a in accounts] + [i.action_id for i in infra]
    )
    decisions = Counter(a.decision for a in accounts)
    return CaseDetail(
        summary=_summary(row, decisions, len(infra)),
        operations=tuple(_operation(o) for o in operations_of(row)),
        accounts=tuple(account_view(a, statuses.get(a.action_id or -1)) for a in accounts),
        infrastructure=tuple(infra_view(i, statuses.get(i.action_id or -1)) for i in infra),
    )


def appeal_view(row: AppealRow, status: str | None) -> AppealInfo:
    return AppealInfo(
        id=row.id,
        account_id=row.account_id,
        case_id=row.case_id,
        statement=row.statement,
        filed_by=row.filed_by,
        filed_at=aware(row.filed_at) or row.filed_at,
        original_approver=row.original_approver,
        assignee=row.assignee,
        state=AppealState(row.state),
        reason_code=row.reason_code,
        note=row.note,
        decided_by=row.decided_by,
        decided_at=aware(row.decided_at),
        action_id=row.action_id,
        action_status=status,
    )
