"""The transactional outbox: claiming deliveries, fencing, and recording outcomes.

Life of a row: ``pending`` → (claimed) ``sending`` → ``sent`` (→ ``confirmed_at`` set when the
receiver acknowledged) or back to ``pending`` with back-off, or ``failed`` for good.

- Claims are one atomic ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` (SQLite
  serialises writers instead), so two senders never hold the same row.
- A claim is a lease: a sender that dies leaves its rows to be reclaimed after the lease.
- :func:`mark_sent` is the fence. It succeeds only while the caller still owns the row, and a
  channel calls it at its point of no return (for email: after the server said 354 and before
  the final dot), so a row reclaimed by another sender is never delivered by both.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from counterspy.model import Phase
from counterspy.notify.models import NoticeRow, OutboxRow
from counterspy.storage.db import Store


@dataclass(frozen=True)
class Delivery:
    """A claimed outbox row with what rendering needs. No operator or firm in here."""

    id: int
    channel: str
    idempotency_key: str
    attempts: int
    notice_uid: str
    account_id: str
    phase: Phase
    locale: str
    helpline: str
    notice_date: date


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def claim(
    store: Store, channel: str, owner: str, *, limit: int, lease_seconds: float
) -> list[Delivery]:
    now = datetime.now(UTC)
    claimable = or_(
        and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now),
        and_(OutboxRow.status == "sending", OutboxRow.lease_until < now),
    )
    pick = (
        select(OutboxRow.id)
        .where(OutboxRow.channel == channel, claimable)
        .order_by(OutboxRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with store.session() as s:
        ids = list(
            s.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(pick.scalar_subquery()), claimable)
                .values(
                    status="sending",
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=OutboxRow.attempts + 1,
                )
                .returning(OutboxRow.id)
                .execution_options(synchronize_session=False)
            ).scalars()
        )
        if not ids:
            return []
        rows = s.execute(
            select(OutboxRow, NoticeRow)
            .join(NoticeRow, NoticeRow.id == OutboxRow.notice_id)
            .where(OutboxRow.id.in_(ids))
            .order_by(OutboxRow.id)
        ).all()
    return [
        Delivery(
            id=o.id,
            channel=o.channel,
            idempotency_key=o.idempotency_key,
            attempts=o.attempts,
            notice_uid=n.uid,
            account_id=n.account_id,
            phase=Phase(n.phase),
            locale=n.locale,
            helpline=n.helpline,
            notice_date=_aware(n.planned_at).date(),
        )
        for o, n in rows
    ]


def mark_sent(
    store: Store, delivery_id: int, owner: str, also: Callable[[Connection], None] | None = None
) -> bool:
    """The fence: record the delivery as handed over, only if ``owner`` still holds it.
    ``also`` runs in the same transaction (the in-product feed insert)."""
    # Core on a bare connection: this runs once per message, on the hot path.
    with store.engine.begin() as s:
        hit = s.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == delivery_id,
                OutboxRow.status == "sending",
                OutboxRow.lease_owner == owner,
            )
            .values(status="sent", sent_at=datetime.now(UTC), last_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if hit != 1:
            return False
        if also is not None:
            also(s)
    return True


def mark_confirmed(store: Store, delivery_ids: list[int]) -> None:
    """Record receivers' acknowledgements (batched: losing one only leaves it unconfirmed)."""
    if not delivery_ids:
        return
    with store.engine.begin() as s:
        s.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(delivery_ids), OutboxRow.status == "sent")
            .values(confirmed_at=datetime.now(UTC))
        )


def backoff_delay(attempts: int, base: float, cap: float) -> float:
    """Exponential back-off with full jitter: uniform in [0, min(cap, base·2^(attempts-1))]."""
    return random.uniform(0, min(cap, base * 2 ** max(0, attempts - 1)))


def mark_failed_attempt(
    store: Store,
    delivery: Delivery,
    owner: str,
    error: str,
    *,
    permanent: bool,
    max_attempts: int,
    base: float,
    cap: float,
    from_status: str = "sending",
) -> str:
    """Record a failed attempt; returns the new status (``pending`` to retry, or ``failed``)."""
    give_up = permanent or delivery.attempts >= max_attempts
    status = "failed" if give_up else "pending"
    delay = 0.0 if give_up else backoff_delay(delivery.attempts, base, cap)
    with store.session() as s:
        s.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == delivery.id,
                OutboxRow.status == from_status,
                OutboxRow.lease_owner == owner,
            )
            .values(
                status=status,
                last_error=error[:2000],
                next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
                lease_owner=None,
                lease_until=None,
                sent_at=None,
            )
            .execution_options(synchronize_session=False)
        )
    return status


def release(store: Store, delivery: Delivery, owner: str) -> None:
    """Give an unattempted claim back (e.g. the sender is stopping)."""
    with store.session() as s:
        s.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == delivery.id,
                OutboxRow.status == "sending",
                OutboxRow.lease_owner == owner,
            )
            .values(
                status="pending",
                lease_owner=None,
                lease_until=None,
                attempts=OutboxRow.attempts - 1,
            )
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    pending: int  # claimable now
    backing_off: int  # pending, but waiting for next_attempt_at
    sending: int
    sent: int
    unconfirmed: int  # sent, but the receiver's acknowledgement was not recorded
    failed: int


def counts(session: Session) -> dict[str, dict[str, int]]:
    """channel → status → rows, over the whole outbox."""
    out: dict[str, dict[str, int]] = {}
    q = select(OutboxRow.channel, OutboxRow.status, func.count()).group_by(
        OutboxRow.channel, OutboxRow.status
    )
    for ch, st, n in session.execute(q).all():
        out.setdefault(ch, {})[st] = int(n)
    return out


def channel_status(session: Session) -> list[ChannelStatus]:
    now = datetime.now(UTC)
    by = counts(session)
    waiting = dict(
        session.execute(
            select(OutboxRow.channel, func.count())
            .where(OutboxRow.status == "pending", OutboxRow.next_attempt_at > now)
            .group_by(OutboxRow.channel)
        ).all()
    )
    unconfirmed = dict(
        session.execute(
            select(OutboxRow.channel, func.count())
            .where(OutboxRow.status == "sent", OutboxRow.confirmed_at.is_(None))
            .group_by(OutboxRow.channel)
        ).all()
    )
    return [
        ChannelStatus(
            channel=ch,
            pending=st.get("pending", 0) - int(waiting.get(ch, 0)),
            backing_off=int(waiting.get(ch, 0)),
            sending=st.get("sending", 0),
            sent=st.get("sent", 0),
            unconfirmed=int(unconfirmed.get(ch, 0)),
            failed=st.get("failed", 0),
        )
        for ch, st in sorted(by.items())
    ]
