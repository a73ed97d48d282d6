"""An operator account's review state: approved (a live disable action in the enforcement
outbox) or rejected (a reviewer's ``review.reject`` in the audit log), else awaiting."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit.models import AuditRow
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.enforce.models import EnforcementActionRow

REJECT_ACTION = "review.reject"


def decisions(session: Session, accounts: Sequence[str]) -> dict[str, tuple[str, str]]:
    """account → (decision, detail) from the outbox and from reviewers' rejections."""
    out: dict[str, tuple[str, str]] = {}
    ids = list(accounts)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rejected = session.execute(
            select(AuditRow.subject_id, AuditRow.actor, AuditRow.reason)
            .where(AuditRow.action == REJECT_ACTION, AuditRow.subject_id.in_(chunk))
            .order_by(AuditRow.seq)
        ).all()
        for subject, actor, reason in rejected:
            out[subject] = ("rejected", f"{reason} (by {actor})")
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
            out[r.target] = (f"approved ({r.status})", f"{r.reason} (by {r.decided_by})")
    return out
