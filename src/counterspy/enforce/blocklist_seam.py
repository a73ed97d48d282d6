"""Seam to the infrastructure blocklist.

``block_infrastructure`` is what the ``block_infrastructure`` enforcement action calls, inside
the transaction that records the action as done. It records the enforcement decision in
``enforce_blocklist`` and adds the value to the intel blocklist in the same transaction, which
bumps the intel version so running verdict engines pick it up without a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.enforce.models import BlockedInfrastructureRow
from counterspy.intel.store import block_in_session


def block_infrastructure(session: Session, value: str, kind: str, reason: str, actor: str) -> bool:
    """Block ``value`` (a domain, URL or IP). Returns False when it was already blocked."""
    value = value.strip()
    if kind == "domain":
        value = value.lower().rstrip(".")
    existing = session.execute(
        select(BlockedInfrastructureRow).where(
            BlockedInfrastructureRow.kind == kind, BlockedInfrastructureRow.value == value
        )
    ).scalar_one_or_none()
    if existing is not None:
        return False
    block_in_session(session, value, reason=reason, added_by=actor)
    session.add(
        BlockedInfrastructureRow(
            kind=kind, value=value, reason=reason, actor=actor, created_at=datetime.now(UTC)
        )
    )
    session.flush()
    return True


def blocked(session: Session) -> list[tuple[str, str]]:
    """(kind, value) of every blocked item, for listings and tests."""
    rows = session.execute(
        select(BlockedInfrastructureRow.kind, BlockedInfrastructureRow.value).order_by(
            BlockedInfrastructureRow.id
        )
    )
    return [(k, v) for k, v in rows]
