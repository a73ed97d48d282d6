"""Feeding enforcement outcomes to target notification (``counterspy.notify`` seams).

* An acknowledged ``disable_account`` marks the account disabled (notify never writes to a
  disabled account), an acknowledged ``reinstate_account`` marks it active again.
* An operation's takedown is complete when every one of its accounts in cases has a decision,
  at least one was approved, and every approved account's disable action was acknowledged by
  the platform. Then the takedown is recorded for notify, which makes its targets eligible.

Both run in the transaction that records the outcome (the worker calls
:func:`after_delivery`; reviews call :func:`check_takedowns`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.cases.models import CaseAccountRow
from counterspy.cases.views import Decision
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.enforce.models import EnforcementActionRow
from counterspy.enforce.outbox import OutboxItem
from counterspy.notify.models import AccountStateRow, TakedownRow
from counterspy.notify.planning import record_takedown, set_account_disabled

_STATE_AFTER = {ActionKind.DISABLE_ACCOUNT: True, ActionKind.REINSTATE_ACCOUNT: False}


def after_delivery(session: Session, item: OutboxItem, status: ActionStatus, actor: str) -> None:
    """Called by the outbox worker after recording an outcome, in the same transaction."""
    if status != ActionStatus.ACKED or item.kind not in _STATE_AFTER:
        return
    disabled = _STATE_AFTER[item.kind]
    current = session.get(AccountStateRow, item.target)
    if current is None or current.disabled != disabled:
        set_account_disabled(
            session,
            item.target,
            disabled=disabled,
            actor=actor,
            reason=f"{item.kind.value} acknowledged by the platform "
            f"(action {item.id}, {item.reason})",
        )
    if disabled:
        ops = session.execute(
            select(CaseAccountRow.operation_id).where(CaseAccountRow.account_id == item.target)
        ).scalars()
        check_takedowns(session, set(ops), actor=actor)


def check_takedowns(session: Session, operation_ids: Iterable[str], *, actor: str) -> list[str]:
    """Record the takedown of each given operation that is complete; returns those recorded.

    Three counting queries per operation (indexed by ``operation_id``), so the worker can call
    it after every acknowledgement.
    """
    recorded: list[str] = []
    acc = CaseAccountRow
    for op in sorted(set(operation_ids)):
        if session.get(TakedownRow, op) is not None:
            continue
        counts = dict(
            session.execute(
                select(acc.decision, func.count())
                .where(acc.operation_id == op)
                .group_by(acc.decision)
            ).all()
        )
        approved = int(counts.get(Decision.APPROVED.value, 0))
        if not approved or counts.get(Decision.PENDING.value, 0):
            continue
        acked = session.scalar(
            select(func.count())
            .select_from(acc)
            .join(EnforcementActionRow, EnforcementActionRow.id == acc.action_id)
            .where(
                acc.operation_id == op,
                acc.decision == Decision.APPROVED.value,
                EnforcementActionRow.status == ActionStatus.ACKED.value,
            )
        )
        if acked != approved:
            continue
        cases = sorted(
            set(session.execute(select(acc.case_id).where(acc.operation_id == op)).scalars())
        )
        record_takedown(
            session,
            op,
            actor=actor,
            reason=f"{approved} approved accounts disabled by the platform "
            f"(cases {', '.join(map(str, cases))})",
        )
        recorded.append(op)
    return recorded
