"""An operator account's review state as the operation pages show it: the decision on its case
(cases library), else a live disable action in the enforcement outbox, else pending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.cases.models import CaseAccountRow
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.enforce.models import EnforcementActionRow

PENDING = "pending"


@dataclass(frozen=True)
class AccountDecision:
    decision: str  # pending | approved | rejected | reinstated
    detail: str
    case_id: int | None


def decisions(session: Session, accounts: Sequence[str]) -> dict[str, AccountDecision]:
    """account → its decision, for every account that is in a case or has an action."""
    out: dict[str, AccountDecision] = {}
    ids = list(accounts)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = session.execute(
            select(EnforcementActionRow)
            .where(
                EnforcementActionRow.target.in_(chunk),
                EnforcementActionRow.kind == ActionKind.DISABLE_ACCOUNT.value,
                EnforcementActionRow.status != ActionStatus.CANCELLED.value,
            )
            .order_by(EnforcementActionRow.id)
        ).scalars()
        for r in rows:
            out[r.target] = AccountDecision(
                "approved", f"{r.reason} (by {r.decided_by}; action {r.status})", None
            )
        for row in session.execute(
            select(CaseAccountRow).where(CaseAccountRow.account_id.in_(chunk))
        ).scalars():
            detail = f"{row.reason_code} (by {row.decided_by})" if row.reason_code else ""
            out[row.account_id] = AccountDecision(row.decision, detail, row.case_id)
    return out
