"""Append to and verify the hash-chained audit log.

Each row's hash is SHA-256 over a canonical JSON encoding of all its fields plus the previous
row's hash, so editing, deleting, inserting or reordering any row breaks the chain at a place
:func:`verify` names. Deleting the newest rows *and* rewriting the head row is only caught
against an anchor kept outside the database (:func:`anchor`), which is why operators should
export anchors regularly (see docs/audit.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counterspy.audit.models import AuditHeadRow, AuditRow

GENESIS_HASH = "0" * 64

JsonValue = Any  # values of a JSON document: the before/after snapshots are free-form


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    reason: str
    evidence_ref: str | None
    before: str | None
    after: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Anchor:
    """A (seq, hash) pair of the chain kept outside the database."""

    seq: int
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # edited | deleted | inserted | relinked | head | anchor
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    head: Anchor
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical_json(value: Mapping[str, JsonValue] | None) -> str | None:
    """Stable JSON text for a snapshot (sorted keys, no spaces), or None."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _utc_text(at: datetime) -> str:
    # SQLite hands back naive datetimes: every value we store is UTC, so naive means UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    reason: str,
    evidence_ref: str | None,
    before: str | None,
    after: str | None,
    prev_hash: str,
) -> str:
    payload = [
        seq,
        _utc_text(at),
        actor,
        action,
        subject_type,
        subject_id,
        reason,
        evidence_ref,
        before,
        after,
        prev_hash,
    ]
    blob = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
        actor=row.actor,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        reason=row.reason,
        evidence_ref=row.evidence_ref,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    reason: str = "",
    evidence_ref: str | None = None,
    before: Mapping[str, JsonValue] | None = None,
    after: Mapping[str, JsonValue] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction, so the change and its record commit
    (or roll back) together.

    The head row is updated first: that takes the write lock on SQLite and a row lock on
    PostgreSQL, so concurrent appends queue up instead of forking the chain.
    """
    if not actor or not action or not subject_type or not subject_id:
        raise ValueError("audit entries need actor, action, subject_type and subject_id")
    # A no-op write that takes the lock. No session synchronisation: evaluating the criteria
    # against every object in the session made a bulk decision with n entries O(n²).
    session.execute(
        update(AuditHeadRow)
        .where(AuditHeadRow.id == 1)
        .values(seq=AuditHeadRow.seq)
        .execution_options(synchronize_session=False)
    )
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one_or_none()
    if head is None:
        head = AuditHeadRow(id=1, seq=0, hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    at = (at or datetime.now(UTC)).astimezone(UTC)
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": at,
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "reason": reason,
        "evidence_ref": evidence_ref,
        "before": canonical_json(before),
        "after": canonical_json(after),
        "prev_hash": head.hash,
    }
    digest = row_hash(**fields)
    row = AuditRow(**fields, hash=digest)
    session.add(row)
    head.seq = row.seq
    head.hash = digest
    session.flush()
    return _entry(row)


def entries(
    session: Session, *, subject_id: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """The newest entries first (optionally only those about ``subject_id``)."""
    q = select(AuditRow).order_by(AuditRow.seq.desc())
    if subject_id is not None:
        q = q.where(AuditRow.subject_id == subject_id)
    if limit is not None:
        q = q.limit(limit)
    return [_entry(r) for r in session.execute(q).scalars()]


def _rows_in_order(session: Session) -> Iterator[AuditRow]:
    q = select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=5000)
    yield from session.execute(q).scalars()


def head(session: Session) -> Anchor:
    row = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one_or_none()
    return Anchor(0, GENESIS_HASH) if row is None else Anchor(row.seq, row.hash)


def verify(session: Session, anchors: tuple[Anchor, ...] = ()) -> VerifyResult:
    """Walk the chain from the start and report every place it does not hold."""
    problems: list[ChainProblem] = []
    expected_seq = 1
    prev_recorded = GENESIS_HASH
    count = 0
    seen: dict[int, str] = {}
    wanted = {a.seq for a in anchors}
    for row in _rows_in_order(session):
        count += 1
        if row.seq > expected_seq:
            missing = (
                f"row {expected_seq}"
                if row.seq == expected_seq + 1
                else f"rows {expected_seq}-{row.seq - 1}"
            )
            problems.append(ChainProblem(row.seq, "deleted", f"{missing} missing before {row.seq}"))
        elif row.seq < expected_seq:  # cannot happen with a primary key, kept for safety
            problems.append(ChainProblem(row.seq, "inserted", "sequence goes backwards"))
        recomputed = row_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            reason=row.reason,
            evidence_ref=row.evidence_ref,
            before=row.before,
            after=row.after,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            problems.append(
                ChainProblem(row.seq, "edited", f"row {row.seq}: content does not match its hash")
            )
        if row.prev_hash != prev_recorded and row.seq == expected_seq:
            problems.append(
                ChainProblem(
                    row.seq,
                    "relinked",
                    f"row {row.seq}: does not link to row {row.seq - 1} "
                    "(a row was inserted, reordered, or edited and re-hashed)",
                )
            )
        if row.seq in wanted:
            seen[row.seq] = row.hash
        prev_recorded = row.hash
        expected_seq = row.seq + 1
    last = Anchor(expected_seq - 1, prev_recorded)
    recorded_head = head(session)
    if recorded_head != last:
        problems.append(
            ChainProblem(
                last.seq,
                "head",
                f"chain ends at row {last.seq} but the head records row {recorded_head.seq} "
                "(newest rows deleted, or the head edited)",
            )
        )
    for a in anchors:
        if seen.get(a.seq) != a.hash:
            what = "is missing" if a.seq not in seen else "has changed"
            problems.append(
                ChainProblem(
                    a.seq, "anchor", f"row {a.seq} {what} since the anchor {a.hash[:12]} was taken"
                )
            )
    return VerifyResult(rows=count, head=last, problems=tuple(problems))
