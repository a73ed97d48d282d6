"""Planning and approving notification batches.

Rules (each one tested):
- one notice per person, across every operation and firm, at the highest phase reached;
- operators and accounts enforcement disabled are never notified;
- a person is eligible only when *every* operation that reached them has been taken down, so a
  notice can never tip off an operation that is still running;
- nobody is planned twice (a unique key on the account), unless their batch was rejected;
- a batch is sent only after someone other than its planner approves it.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.model import Phase
from counterspy.notify.helplines import helplines
from counterspy.notify.inputs import (
    AccountStateProvider,
    StoreAccountStates,
    load_operator_ids,
    load_profiles,
    load_targets,
)
from counterspy.notify.locales import resolve_locale
from counterspy.notify.messages import TEMPLATE_VERSION
from counterspy.notify.models import (
    AccountStateRow,
    BatchRow,
    ContactRow,
    NoticeRow,
    OutboxRow,
    TakedownRow,
)
from counterspy.workspace import Workspace

CHANNELS_DEFAULT = ("in_product", "email")


@dataclass(frozen=True)
class PlanSummary:
    batch_id: int | None
    notices: int
    people_seen: int
    operators_skipped: int
    disabled_skipped: int
    awaiting_takedown: int
    already_notified: int
    without_profile: int
    by_phase: dict[str, int]
    by_locale: dict[str, int]
    countries: int


@dataclass(frozen=True)
class BatchInfo:
    id: int
    status: str
    planned_by: str
    planned_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    notices: int
    template_version: str
    deliveries: dict[str, dict[str, int]]  # channel -> status -> count


def _now() -> datetime:
    return datetime.now(UTC)


def record_takedown(session: Session, operation_id: str, *, actor: str, reason: str) -> bool:
    """Mark an operation's takedown complete; returns False when it already was."""
    if not reason.strip():
        raise CounterspyError("a reason is required", hint="say what was taken down and where")
    if session.get(TakedownRow, operation_id) is not None:
        return False
    session.add(
        TakedownRow(operation_id=operation_id, completed_at=_now(), actor=actor, reason=reason)
    )
    audit.record(
        session,
        actor=actor,
        action="notify.takedown_done",
        subject_type="operation",
        subject_id=operation_id,
        reason=reason,
    )
    return True


def set_account_disabled(
    session: Session, account_id: str, *, disabled: bool, actor: str, reason: str
) -> None:
    """Seam for enforcement: record that an account is (no longer) disabled."""
    row = session.get(AccountStateRow, account_id)
    before = {"disabled": row.disabled} if row else None
    if row is None:
        row = AccountStateRow(
            account_id=account_id, disabled=disabled, reason=reason, updated_at=_now()
        )
        session.add(row)
    else:
        row.disabled, row.reason, row.updated_at = disabled, reason, _now()
    audit.record(
        session,
        actor=actor,
        action="notify.account_state",
        subject_type="account",
        subject_id=account_id,
        reason=reason,
        before=before,
        after={"disabled": disabled},
    )


def _chunks(items: list[str], n: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def plan_batch(
    session: Session,
    workspace: Workspace,
    *,
    actor: str,
    states: AccountStateProvider | None = None,
) -> PlanSummary:
    """Plan one batch of notices for everyone newly eligible; writes nothing when nobody is."""
    states = states or StoreAccountStates()
    exposures = load_targets(workspace)
    operators = load_operator_ids(workspace)
    taken_down = set(session.execute(select(TakedownRow.operation_id)).scalars())

    ops_of: dict[str, set[str]] = defaultdict(set)
    phase_of: dict[str, Phase] = {}
    for e in exposures:
        ops_of[e.account_id].add(e.operation_id)
        prev = phase_of.get(e.account_id)
        if prev is None or e.phase.rank > prev.rank:
            phase_of[e.account_id] = e.phase
    people = sorted(ops_of)
    is_operator = [a for a in people if a in operators]
    candidates = [a for a in people if a not in operators]
    disabled = states.disabled(session, candidates)
    candidates = [a for a in candidates if a not in disabled]
    waiting = [a for a in candidates if not ops_of[a] <= taken_down]
    candidates = [a for a in candidates if ops_of[a] <= taken_down]
    already: set[str] = set()
    for chunk in _chunks(candidates):
        q = select(NoticeRow.account_id).where(NoticeRow.account_id.in_(chunk))
        already.update(session.execute(q).scalars())
    eligible = [a for a in candidates if a not in already]
    profiles = load_profiles(workspace, eligible)
    directory = helplines()

    by_phase: dict[str, int] = defaultdict(int)
    by_locale: dict[str, int] = defaultdict(int)
    countries: set[str] = set()
    batch_id: int | None = None
    if eligible:
        now = _now()
        batch = BatchRow(
            status="planned",
            planned_by=actor,
            planned_at=now,
            notices=len(eligible),
            template_version=TEMPLATE_VERSION,
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
        rows = []
        for acc in eligible:
            prof = profiles.get(acc)
            locale = resolve_locale(prof.locale if prof else None)
            country = prof.country if prof else ""
            by_phase[phase_of[acc].value] += 1
            by_locale[locale] += 1
            if country:
                countries.add(country)
            rows.append(
                {
                    "uid": str(uuid.uuid4()),
                    "batch_id": batch_id,
                    "account_id": acc,
                    "phase": phase_of[acc].value,
                    "locale": locale,
                    "country": country[:2],
                    "helpline": directory.for_country(country).id,
                    "operations": json.dumps(sorted(ops_of[acc])),
                    "planned_at": now,
                }
            )
        for i in range(0, len(rows), 2000):
            session.execute(insert(NoticeRow), rows[i : i + 2000])
        audit.record(
            session,
            actor=actor,
            action="notify.plan",
            subject_type="notify_batch",
            subject_id=str(batch_id),
            after={
                "notices": len(eligible),
                "by_phase": dict(by_phase),
                "template_version": TEMPLATE_VERSION,
            },
        )
    return PlanSummary(
        batch_id=batch_id,
        notices=len(eligible),
        people_seen=len(people),
        operators_skipped=len(is_operator),
        disabled_skipped=len(disabled),
        awaiting_takedown=len(waiting),
        already_notified=len(already),
        without_profile=sum(1 for a in eligible if a not in profiles),
        by_phase=dict(by_phase),
        by_locale=dict(sorted(by_locale.items(), key=lambda kv: -kv[1])),
        countries=len(countries),
    )


def _batch(session: Session, batch_id: int) -> BatchRow:
    row = session.get(BatchRow, batch_id)
    if row is None:
        raise NotFoundError(
            f"no notification batch {batch_id}", hint="see `counterspy notify batches`"
        )
    return row


def approve_batch(
    session: Session,
    batch_id: int,
    *,
    actor: str,
    reason: str,
    channels: tuple[str, ...] = CHANNELS_DEFAULT,
) -> int:
    """Approve a planned batch and queue its deliveries; returns the number queued.

    In-product delivery is always queued (it is the authoritative copy); email only for people
    with an email address on file.
    """
    from counterspy.notify.channels import CHANNELS  # channels import planning's neighbours

    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise CounterspyError(f"unknown channel(s) {unknown}", hint="known: " + ", ".join(CHANNELS))
    if not reason.strip():
        raise CounterspyError("a reason is required to approve a batch")
    batch = _batch(session, batch_id)
    if batch.status != "planned":
        raise ConflictError(f"batch {batch_id} is {batch.status}, not planned")
    if batch.planned_by == actor:
        raise ConflictError(
            f"batch {batch_id} was planned by {actor}; someone else must approve it",
            hint="two-person rule: ask another reviewer",
        )
    now = _now()
    notices = session.execute(
        select(NoticeRow.id, NoticeRow.uid, NoticeRow.account_id).where(
            NoticeRow.batch_id == batch_id
        )
    ).all()
    with_email: set[str] = set()
    if "email" in channels:
        ids = [n.account_id for n in notices]
        for chunk in _chunks(ids):
            q = select(ContactRow.account_id).where(
                ContactRow.account_id.in_(chunk), ContactRow.has_email.is_(True)
            )
            with_email.update(session.execute(q).scalars())
    rows = []
    for n in notices:
        for ch in dict.fromkeys(("in_product", *channels)):
            if ch == "email" and n.account_id not in with_email:
                continue
            rows.append(
                {
                    "notice_id": n.id,
                    "channel": ch,
                    "idempotency_key": f"{n.uid}.{ch}",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    for i in range(0, len(rows), 2000):
        session.execute(insert(OutboxRow), rows[i : i + 2000])
    before = {"status": batch.status}
    batch.status, batch.decided_by, batch.decided_at, batch.decision_reason = (
        "approved",
        actor,
        now,
        reason,
    )
    audit.record(
        session,
        actor=actor,
        action="notify.approve",
        subject_type="notify_batch",
        subject_id=str(batch_id),
        reason=reason,
        before=before,
        after={"status": "approved", "deliveries": len(rows), "channels": list(channels)},
    )
    return len(rows)


def reject_batch(session: Session, batch_id: int, *, actor: str, reason: str) -> int:
    """Reject a planned batch; its people become plannable again. Returns notices dropped."""
    if not reason.strip():
        raise CounterspyError("a reason is required to reject a batch")
    batch = _batch(session, batch_id)
    if batch.status != "planned":
        raise ConflictError(f"batch {batch_id} is {batch.status}, not planned")
    gone = delete(NoticeRow).where(NoticeRow.batch_id == batch_id)
    dropped = session.execute(gone).rowcount  # type: ignore[attr-defined]
    batch.status, batch.decided_by, batch.decided_at, batch.decision_reason = (
        "rejected",
        actor,
        _now(),
        reason,
    )
    audit.record(
        session,
        actor=actor,
        action="notify.reject",
        subject_type="notify_batch",
        subject_id=str(batch_id),
        reason=reason,
        before={"status": "planned"},
        after={"status": "rejected", "notices_dropped": dropped},
    )
    return int(dropped or 0)


def batch_info(session: Session, batch_id: int) -> BatchInfo:
    return _info(session, _batch(session, batch_id))


def list_batches(session: Session) -> list[BatchInfo]:
    rows = session.execute(select(BatchRow).order_by(BatchRow.id.desc())).scalars().all()
    return [_info(session, b) for b in rows]


def _info(session: Session, b: BatchRow) -> BatchInfo:
    q = (
        select(OutboxRow.channel, OutboxRow.status, func.count())
        .join(NoticeRow, NoticeRow.id == OutboxRow.notice_id)
        .where(NoticeRow.batch_id == b.id)
        .group_by(OutboxRow.channel, OutboxRow.status)
    )
    deliveries: dict[str, dict[str, int]] = defaultdict(dict)
    for ch, st, n in session.execute(q).all():
        deliveries[ch][st] = int(n)
    return BatchInfo(
        id=b.id,
        status=b.status,
        planned_by=b.planned_by,
        planned_at=b.planned_at if b.planned_at.tzinfo else b.planned_at.replace(tzinfo=UTC),
        decided_by=b.decided_by,
        decided_at=b.decided_at,
        notices=b.notices,
        template_version=b.template_version,
        deliveries=dict(deliveries),
    )
