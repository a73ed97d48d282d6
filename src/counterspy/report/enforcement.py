"""What enforcement actually did, read from the operational store.

An account counts as *removed* when its latest account action is ``disable_account`` and the
platform acknowledged it (status ``acked``); a later reinstatement (appeal) takes it out of
the count. *Pending*: its latest action is an approved disable not yet acknowledged. A domain
is *blocked* when it, or a parent domain, is on the enforcement blocklist or the analysts'
intel blocklist (unexpired).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from counterspy.enforce.actions import OPEN_STATUSES, ActionKind, ActionStatus, TargetKind
from counterspy.enforce.models import BlockedInfrastructureRow, EnforcementActionRow
from counterspy.intel.models import BlocklistEntry

_ACCOUNT_KINDS = (ActionKind.DISABLE_ACCOUNT.value, ActionKind.REINSTATE_ACCOUNT.value)
_OPEN = frozenset(s.value for s in OPEN_STATUSES)


@dataclass(frozen=True)
class EnforcementState:
    removed: frozenset[str]  # account ids disabled and acknowledged
    pending: frozenset[str]  # account ids whose disable is approved but not acknowledged
    blocked_domains: frozenset[str]

    def is_blocked(self, domain: str) -> bool:
        labels = domain.lower().rstrip(".").split(".")
        return any(".".join(labels[i:]) in self.blocked_domains for i in range(len(labels)))


def read_enforcement(session: Session, *, at: datetime) -> EnforcementState:
    """The enforcement state; blocklist entries that expired before ``at`` do not count."""
    latest: dict[str, tuple[str, str]] = {}
    rows = session.execute(
        select(
            EnforcementActionRow.target,
            EnforcementActionRow.kind,
            EnforcementActionRow.status,
        )
        .where(
            EnforcementActionRow.target_kind == TargetKind.ACCOUNT.value,
            EnforcementActionRow.kind.in_(_ACCOUNT_KINDS),
            EnforcementActionRow.status != ActionStatus.CANCELLED.value,
            EnforcementActionRow.status != ActionStatus.FAILED.value,
        )
        .order_by(EnforcementActionRow.decided_at, EnforcementActionRow.id)
    )
    for target, kind, status in rows:
        latest[target] = (kind, status)
    disable = ActionKind.DISABLE_ACCOUNT.value
    removed = {t for t, (k, s) in latest.items() if k == disable and s == ActionStatus.ACKED}
    pending = {t for t, (k, s) in latest.items() if k == disable and s in _OPEN}
    return EnforcementState(
        frozenset(removed), frozenset(pending), frozenset(_blocked_domains(session, at))
    )


def _blocked_domains(session: Session, at: datetime) -> Iterable[str]:
    for (value,) in session.execute(
        select(BlockedInfrastructureRow.value).where(BlockedInfrastructureRow.kind == "domain")
    ):
        yield value.lower().rstrip(".")
    for (value,) in session.execute(
        select(BlocklistEntry.value).where(
            BlocklistEntry.type == "domain",
            or_(BlocklistEntry.expires.is_(None), BlocklistEntry.expires > at),
        )
    ):
        yield value.lower().rstrip(".")
