"""The transactional outbox of enforcement actions.

* :func:`enqueue_actions` writes approved actions in the caller's transaction (the same one
  that records the decision), each with its own idempotency key, and audits each.
* :func:`claim` hands a worker a batch of due rows under a lease: ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL (concurrent workers never block on or share a row), one atomic ``UPDATE`` on SQLite
  (SQLite serialises writers). Rows whose lease ran out (a crashed worker) are claimable again.
* :func:`mark_sent` commits "the request is going out" before the call; :func:`finish` records
  the outcome. A crash between the two leaves a ``sent`` row whose lease expires; the next
  worker sends it again with the *same* idempotency key, so the platform applies it once.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from counterspy.audit.log import record
from counterspy.enforce.actions import (
    ACCEPTS,
    OPEN_STATUSES,
    ActionKind,
    ActionRequest,
    ActionResult,
    ActionStatus,
    Outcome,
    TargetKind,
)
from counterspy.enforce.models import EnforcementActionRow
from counterspy.errors import CounterspyError

RETRY_DELAY = timedelta(seconds=60)
MAX_DELIVERIES = 5


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EnqueueResult:
    batch: str
    created: tuple[int, ...]
    skipped: tuple[tuple[str, str], ...]  # (target, why)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    batch: str
    kind: ActionKind
    target: str
    target_kind: TargetKind
    adapter: str
    status: ActionStatus
    deliveries: int
    decided_by: str
    decided_at: datetime
    idempotency_key: str
    response_code: int | None
    last_error: str | None
    reason: str
    evidence_ref: str | None
    claim_token: str | None = None

    def request(self) -> ActionRequest:
        return ActionRequest(
            action_id=self.id,
            kind=self.kind,
            target=self.target,
            target_kind=self.target_kind,
            idempotency_key=self.idempotency_key,
            reason=self.reason,
            evidence_ref=self.evidence_ref,
        )


def _item(row: EnforcementActionRow) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        batch=row.batch,
        kind=ActionKind(row.kind),
        target=row.target,
        target_kind=TargetKind(row.target_kind),
        adapter=row.adapter,
        status=ActionStatus(row.status),
        deliveries=row.deliveries,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        idempotency_key=row.idempotency_key,
        response_code=row.response_code,
        last_error=row.last_error,
        reason=row.reason,
        evidence_ref=row.evidence_ref,
        claim_token=row.claim_token,
    )


def _chunks(items: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _latest_account_actions(session: Session, targets: Sequence[str]) -> dict[str, str]:
    """The kind of each account's latest live disable/reinstate action."""
    kinds = (ActionKind.DISABLE_ACCOUNT.value, ActionKind.REINSTATE_ACCOUNT.value)
    latest: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(targets):
        rows = session.execute(
            select(
                EnforcementActionRow.target, EnforcementActionRow.id, EnforcementActionRow.kind
            ).where(
                EnforcementActionRow.target.in_(chunk),
                EnforcementActionRow.kind.in_(kinds),
                EnforcementActionRow.status.not_in(
                    (ActionStatus.FAILED.value, ActionStatus.CANCELLED.value)
                ),
            )
        )
        for target, row_id, kind in rows:
            if target not in latest or latest[target][0] < row_id:
                latest[target] = (row_id, kind)
    return {t: k for t, (_, k) in latest.items()}


def _in_batch(session: Session, batch: str, kind: ActionKind, targets: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(targets):
        found.update(
            session.execute(
                select(EnforcementActionRow.target).where(
                    EnforcementActionRow.batch == batch,
                    EnforcementActionRow.kind == kind.value,
                    EnforcementActionRow.target.in_(chunk),
                )
            ).scalars()
        )
    return found


def enqueue_actions(
    session: Session,
    *,
    kind: ActionKind,
    targets: Sequence[str],
    reason: str,
    decided_by: str,
    target_kind: TargetKind = TargetKind.ACCOUNT,
    evidence_ref: str | None = None,
    batch: str | None = None,
    adapter: str = "webhook",
) -> EnqueueResult:
    """Approve actions: one outbox row per target, in the caller's transaction.

    Idempotent: a target already in ``batch`` is skipped, and so is an account whose latest
    live action is already this one (disabling a disabled account does nothing).
    """
    if target_kind not in ACCEPTS[kind]:
        raise CounterspyError(f"{kind.value} cannot target a {target_kind.value}")
    if not reason.strip() or "\x00" in reason or "\x00" in (evidence_ref or ""):
        raise CounterspyError("an enforcement action needs a reason (policy reason code)")
    batch = batch or f"b-{_now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    created: list[int] = []
    skipped: list[tuple[str, str]] = []
    now = _now()
    wanted: list[str] = []
    seen: set[str] = set()
    for raw in targets:
        target = raw.strip()
        if not target or len(target) > 500 or any(ord(c) < 32 for c in target):
            raise CounterspyError(
                f"invalid target {raw[:60]!r}", hint="1-500 characters, no control characters"
            )
        if target in seen:
            skipped.append((target, "listed twice"))
            continue
        seen.add(target)
        wanted.append(target)
    already = _in_batch(session, batch, kind, wanted)
    latest = _latest_account_actions(session, wanted) if target_kind == TargetKind.ACCOUNT else {}
    for target in wanted:
        if target in already:
            skipped.append((target, f"already in batch {batch}"))
            continue
        if latest.get(target) == kind.value:
            skipped.append((target, f"already {kind.value}"))
            continue
        row = EnforcementActionRow(
            batch=batch,
            kind=kind.value,
            target=target,
            target_kind=target_kind.value,
            adapter="local" if kind == ActionKind.BLOCK_INFRASTRUCTURE else adapter,
            idempotency_key=f"cs-{uuid.uuid4()}",
            reason=reason,
            evidence_ref=evidence_ref,
            decided_by=decided_by,
            decided_at=now,
            status=ActionStatus.PENDING.value,
            not_before=now,
            deliveries=0,
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor=decided_by,
            action="action.approve",
            subject_type=target_kind.value,
            subject_id=target,
            reason=reason,
            evidence_ref=evidence_ref,
            after={"action_id": row.id, "kind": kind.value, "batch": batch, "status": "pending"},
        )
        created.append(row.id)
    return EnqueueResult(batch, tuple(created), tuple(skipped))


def _due(
    now: datetime, batch: str | None, adapters: Sequence[str] | None
) -> list[ColumnElement[bool]]:
    cond = or_(
        and_(
            EnforcementActionRow.status == ActionStatus.PENDING.value,
            EnforcementActionRow.not_before <= now,
        ),
        and_(
            EnforcementActionRow.status.in_((ActionStatus.CLAIMED.value, ActionStatus.SENT.value)),
            EnforcementActionRow.lease_until < now,
        ),
    )
    out: list[ColumnElement[bool]] = [cond]
    if batch is not None:
        out.append(EnforcementActionRow.batch == batch)
    if adapters is not None:
        out.append(EnforcementActionRow.adapter.in_(list(adapters)))
    return out


def claim(
    session: Session,
    *,
    worker: str,
    limit: int,
    lease: timedelta,
    batch: str | None = None,
    adapters: Sequence[str] | None = None,
) -> list[OutboxItem]:
    """Claim up to ``limit`` due rows for ``worker``; commit right after (short transaction)."""
    now = _now()
    token = secrets.token_hex(16)
    ids = (
        select(EnforcementActionRow.id)
        .where(*_due(now, batch, adapters))
        .order_by(EnforcementActionRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        locked = list(session.execute(ids.with_for_update(skip_locked=True)).scalars())
        target_ids: object = locked
    else:
        target_ids = ids.scalar_subquery()
    session.execute(
        update(EnforcementActionRow)
        .where(EnforcementActionRow.id.in_(target_ids), *_due(now, batch, adapters))  # type: ignore[arg-type]
        .values(
            status=ActionStatus.CLAIMED.value,
            claim_token=token,
            claimed_by=worker,
            lease_until=now + lease,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(EnforcementActionRow)
        .where(EnforcementActionRow.claim_token == token)
        .order_by(EnforcementActionRow.id)
    ).scalars()
    return [_item(r) for r in rows]


def mark_sent(session: Session, item: OutboxItem, *, lease: timedelta) -> bool:
    """Record that the request is going out. False if the lease was lost to another worker."""
    now = _now()
    done = session.execute(
        update(EnforcementActionRow)
        .where(
            EnforcementActionRow.id == item.id,
            EnforcementActionRow.status == ActionStatus.CLAIMED.value,
        )
        .values(
            status=ActionStatus.SENT.value,
            sent_at=now,
            deliveries=EnforcementActionRow.deliveries + 1,
            lease_until=now + lease,
        )
    )
    return bool(getattr(done, "rowcount", 0))


def finish(session: Session, item: OutboxItem, result: ActionResult, *, actor: str) -> ActionStatus:
    """Record a delivery's outcome (and audit it) in the caller's transaction."""
    row = session.get(EnforcementActionRow, item.id)
    if row is None:  # pragma: no cover - rows are never deleted
        raise CounterspyError(f"outbox row {item.id} vanished")
    if item.claim_token is not None and row.claim_token != item.claim_token:
        # Our lease ran out and another worker re-claimed the row: it will deliver again with
        # the same idempotency key and record the outcome; writing ours could overwrite it.
        return ActionStatus(row.status)
    now = _now()
    row.response_code = result.status_code
    row.claim_token = None
    row.lease_until = None
    if result.outcome == Outcome.ACKED:
        status = ActionStatus.ACKED
        row.platform_ref = result.platform_ref
        row.last_error = None
        row.finished_at = now
    elif result.outcome == Outcome.FAILED or row.deliveries >= MAX_DELIVERIES:
        status = ActionStatus.FAILED
        row.last_error = result.detail or "failed"
        row.finished_at = now
    else:
        status = ActionStatus.PENDING
        row.last_error = result.detail
        row.not_before = now + RETRY_DELAY
    row.status = status.value
    session.flush()
    if status != ActionStatus.PENDING:
        record(
            session,
            actor=actor,
            action=f"action.{status.value}",
            subject_type=row.target_kind,
            subject_id=row.target,
            reason=row.reason if status == ActionStatus.ACKED else (row.last_error or ""),
            evidence_ref=row.evidence_ref,
            before={"action_id": row.id, "kind": row.kind, "status": "sent"},
            after={
                "action_id": row.id,
                "kind": row.kind,
                "status": status.value,
                "deliveries": row.deliveries,
                "response_code": row.response_code,
                "platform_ref": row.platform_ref,
            },
        )
    return status


def cancel_actions(
    session: Session,
    *,
    actor: str,
    reason: str,
    ids: Sequence[int] = (),
    batch: str | None = None,
) -> tuple[list[int], list[tuple[int, str]]]:
    """Cancel approved actions that no worker has picked up yet (audited).

    Returns (cancelled ids, [(id, why not)]). Claimed or sent actions may already be at the
    platform: undo those with the reverse action instead.
    """
    if not reason.strip():
        raise CounterspyError("cancelling needs a reason")
    if not ids and batch is None:
        raise CounterspyError("name the actions to cancel", hint="pass ids or a batch")
    q = select(EnforcementActionRow).order_by(EnforcementActionRow.id)
    q = q.where(EnforcementActionRow.batch == batch) if batch else q
    q = q.where(EnforcementActionRow.id.in_(list(ids))) if ids else q
    rows = list(session.execute(q.with_for_update()).scalars())
    missing = set(ids) - {r.id for r in rows}
    if missing:
        raise CounterspyError(f"no such action(s): {sorted(missing)}")
    done: list[int] = []
    refused: list[tuple[int, str]] = []
    for row in rows:
        if row.status != ActionStatus.PENDING.value:
            refused.append((row.id, f"is {row.status}"))
            continue
        row.status = ActionStatus.CANCELLED.value
        row.finished_at = _now()
        session.flush()
        record(
            session,
            actor=actor,
            action="action.cancel",
            subject_type=row.target_kind,
            subject_id=row.target,
            reason=reason,
            before={"action_id": row.id, "kind": row.kind, "status": "pending"},
            after={"action_id": row.id, "kind": row.kind, "status": "cancelled"},
        )
        done.append(row.id)
    return done, refused


def list_actions(
    session: Session,
    *,
    batch: str | None = None,
    status: ActionStatus | None = None,
    limit: int = 1000,
) -> list[OutboxItem]:
    q = select(EnforcementActionRow).order_by(EnforcementActionRow.id)
    if batch is not None:
        q = q.where(EnforcementActionRow.batch == batch)
    if status is not None:
        q = q.where(EnforcementActionRow.status == status.value)
    return [_item(r) for r in session.execute(q.limit(limit)).scalars()]


def pending(session: Session, *, batch: str | None = None) -> list[OutboxItem]:
    """Rows not yet finished (what a dry run would send)."""
    q = (
        select(EnforcementActionRow)
        .where(EnforcementActionRow.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(EnforcementActionRow.id)
    )
    if batch is not None:
        q = q.where(EnforcementActionRow.batch == batch)
    return [_item(r) for r in session.execute(q).scalars()]


def actions_by_id(session: Session, ids: Sequence[int]) -> list[OutboxItem]:
    """The given actions (unknown ids are left out), in id order."""
    wanted = sorted(set(ids))
    found: list[OutboxItem] = []
    for k in range(0, len(wanted), 500):
        q = select(EnforcementActionRow).where(EnforcementActionRow.id.in_(wanted[k : k + 500]))
        found += [_item(r) for r in session.execute(q.order_by(EnforcementActionRow.id)).scalars()]
    return found
