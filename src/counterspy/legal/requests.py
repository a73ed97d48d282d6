"""Submitting lawful requests, their documents, and reading them within a caller's scope.

Every read goes through a :class:`Scope`: staff see all requests, an agency only its own. A
request outside the scope is reported exactly like one that does not exist.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.legal import agencies
from counterspy.legal.model import (
    DataCategory,
    DocumentView,
    EmergencyRisk,
    Finding,
    LegalProcess,
    Outcome,
    Queue,
    RequestDraft,
    RequestState,
    RequestView,
    TaskKind,
    TaskView,
)
from counterspy.legal.models import DocumentRow, LegalRequestRow, RequestAccountRow, TaskRow
from counterspy.legal.policy import LegalPolicy, parse_country
from counterspy.legal.rules import evaluate, queue_of, recommend
from counterspy.legal.targets import NotifiedTargets

MAX_ACCOUNTS_STORED = 1000  # beyond the overbreadth limit, so such requests are still recorded
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_OPEN_FOR_DOCUMENTS = {RequestState.RECEIVED, RequestState.UNDER_REVIEW, RequestState.ESCALATED}
# What an agency never sees: that its request touches a notified surveillance target.
_HIDDEN_FROM_AGENCY = {"NOTIFIED_TARGET_ESCALATION", "ESCALATED_BY_REVIEWER"}


@dataclass(frozen=True)
class Scope:
    """Whose requests a caller may see: ``agency_id`` None means every agency (staff)."""

    agency_id: str | None
    staff: bool

    @classmethod
    def everyone(cls) -> Scope:
        return cls(agency_id=None, staff=True)

    @classmethod
    def agency(cls, agency_id: str | None) -> Scope:
        return cls(agency_id=agency_id, staff=False)


def audit_subject(request_id: int) -> str:
    """How a request is named in the audit log (``counterspy audit log --subject LR-12``)."""
    return f"LR-{request_id}"


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.split(",") if c)


def _categories(text: str) -> tuple[DataCategory, ...]:
    return tuple(DataCategory(c) for c in split_codes(text))


def join_categories(cats: frozenset[DataCategory] | set[DataCategory]) -> str:
    order = list(DataCategory)
    return ",".join(c.value for c in sorted(cats, key=order.index))


def draft_of(row: LegalRequestRow) -> RequestDraft:
    return RequestDraft(
        process=LegalProcess(row.process),
        country=row.country,
        categories=frozenset(_categories(row.categories)),
        accounts=tuple(a.account_id for a in row.accounts),
        legal_basis_ref=row.legal_basis_ref,
        has_document=bool(row.documents),
        emergency_risk=EmergencyRisk(row.emergency_risk) if row.emergency_risk else None,
        emergency_imminent=row.emergency_imminent,
        emergency_justification=row.emergency_justification,
        nondisclosure=row.nondisclosure,
        nondisclosure_until=row.nondisclosure_until,
    )


def findings_of(row: LegalRequestRow) -> tuple[Finding, ...]:
    return tuple(
        Finding(f["code"], Outcome(f["outcome"]), f["detail"]) for f in json.loads(row.findings)
    )


def assess(row: LegalRequestRow, policy: LegalPolicy, targets: NotifiedTargets) -> None:
    """(Re)run the due-process rules and store findings, recommendation and queue."""
    draft = draft_of(row)
    found = evaluate(draft, policy, targets.notified(draft.accounts))
    row.findings = json.dumps([vars(f) | {"outcome": f.outcome.value} for f in found])
    row.recommendation = recommend(found)
    # Once escalated, a request stays with senior reviewers even if the target list changes.
    if row.queue != Queue.SENIOR:
        row.queue = queue_of(found)


def _doc_view(d: DocumentRow) -> DocumentView:
    return DocumentView(
        id=d.id,
        request_id=d.request_id,
        filename=d.filename,
        content_type=d.content_type,
        sha256=d.sha256,
        size=d.size,
        uploaded_by=d.uploaded_by,
        uploaded_at=aware(d.uploaded_at) or now(),
    )


def task_view(t: TaskRow) -> TaskView:
    return TaskView(
        id=t.id,
        request_id=t.request_id,
        kind=TaskKind(t.kind),
        due_at=aware(t.due_at),
        done_at=aware(t.done_at),
        done_by=t.done_by,
        outcome=t.outcome,
    )


def view(row: LegalRequestRow) -> RequestView:
    return RequestView(
        id=row.id,
        agency_id=row.agency_id,
        submitted_by=row.submitted_by,
        process=LegalProcess(row.process),
        country=row.country,
        categories=_categories(row.categories),
        accounts=tuple(a.account_id for a in row.accounts),
        legal_basis_ref=row.legal_basis_ref,
        emergency_risk=EmergencyRisk(row.emergency_risk) if row.emergency_risk else None,
        emergency_imminent=row.emergency_imminent,
        emergency_justification=row.emergency_justification,
        nondisclosure=row.nondisclosure,
        nondisclosure_until=row.nondisclosure_until,
        state=RequestState(row.state),
        queue=Queue(row.queue),
        findings=findings_of(row),
        recommendation=RequestState(row.recommendation),
        decision_codes=split_codes(row.decision_codes),
        decision_note=row.decision_note,
        decided_by=row.decided_by,
        approved_categories=_categories(row.approved_categories),
        approved_accounts=tuple(a.account_id for a in row.accounts if a.approved),
        produced_categories=_categories(row.produced_categories),
        produced_accounts=tuple(a.account_id for a in row.accounts if a.produced),
        nothing_produced_code=row.nothing_produced_code,
        received_at=aware(row.received_at) or now(),
        decided_at=aware(row.decided_at),
        produced_at=aware(row.produced_at),
        closed_at=aware(row.closed_at),
        documents=tuple(_doc_view(d) for d in row.documents),
        tasks=tuple(task_view(t) for t in row.tasks),
    )


def for_agency(v: RequestView) -> RequestView:
    """What the requesting agency may see of its own request.

    Escalation is invisible (it would tell the requester the person was notified as a
    surveillance target); internal tasks, reviewers' names and notes stay internal.
    """
    return replace(
        v,
        state=RequestState.UNDER_REVIEW if v.state is RequestState.ESCALATED else v.state,
        queue=Queue.STANDARD,
        findings=tuple(f for f in v.findings if f.code not in _HIDDEN_FROM_AGENCY),
        decision_codes=tuple(c for c in v.decision_codes if c not in _HIDDEN_FROM_AGENCY),
        decision_note=None,
        decided_by=None,
        tasks=(),
    )


def _normalise_accounts(accounts: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for a in accounts:
        a = a.strip()
        if not a:
            continue
        if len(a) > 200:
            raise CounterspyError(f"account identifier longer than 200 characters: {a[:40]!r}…")
        seen.setdefault(a, None)
    if len(seen) > MAX_ACCOUNTS_STORED:
        raise CounterspyError(
            f"{len(seen)} accounts in one request; the channel takes at most {MAX_ACCOUNTS_STORED}",
            hint="name the specific accounts the legal process covers",
        )
    return tuple(seen)


def submit_request(
    session: Session,
    *,
    agency_id: str,
    draft: RequestDraft,
    actor: str,
    policy: LegalPolicy,
    targets: NotifiedTargets,
    received_at: datetime | None = None,
) -> RequestView:
    """Record a request from a verified agency and run the due-process rules on it."""
    agencies.require_verified(session, agency_id)
    if not draft.categories:
        raise CounterspyError(
            "name at least one data category", hint="subscriber, non_content, content"
        )
    try:
        country = parse_country(draft.country)
    except ValueError as exc:
        raise CounterspyError(str(exc)) from None
    draft = replace(draft, country=country, accounts=_normalise_accounts(draft.accounts))
    row = LegalRequestRow(
        agency_id=agency_id,
        submitted_by=actor,
        process=draft.process.value,
        country=country,
        categories=join_categories(set(draft.categories)),
        legal_basis_ref=(draft.legal_basis_ref or "").strip() or None,
        emergency_risk=draft.emergency_risk.value if draft.emergency_risk else None,
        emergency_imminent=draft.emergency_imminent,
        emergency_justification=(draft.emergency_justification or "").strip() or None,
        nondisclosure=draft.nondisclosure or draft.nondisclosure_until is not None,
        nondisclosure_until=draft.nondisclosure_until,
        state=RequestState.RECEIVED,
        queue=Queue.STANDARD,
        findings="[]",
        recommendation=RequestState.APPROVED,
        decision_codes="",
        approved_categories="",
        produced_categories="",
        received_at=(received_at or now()).astimezone(UTC),
    )
    row.accounts = [
        RequestAccountRow(position=i, account_id=a) for i, a in enumerate(draft.accounts)
    ]
    session.add(row)
    assess(row, policy, targets)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="legal.request.submit",
        subject_type="legal_request",
        subject_id=audit_subject(row.id),
        reason=",".join(f.code for f in findings_of(row)),
        after={
            "state": row.state,
            "agency": agency_id,
            "process": row.process,
            "country": country,
            "categories": row.categories,
            "accounts": len(draft.accounts),
            "queue": row.queue,
            "recommendation": row.recommendation,
        },
    )
    return view(row)


def get_row(session: Session, request_id: int, scope: Scope) -> LegalRequestRow:
    row = session.get(LegalRequestRow, request_id)
    if row is None or (not scope.staff and row.agency_id != scope.agency_id):
        raise NotFoundError(f"no lawful request {request_id}")
    return row


def get_request(session: Session, request_id: int, scope: Scope) -> RequestView:
    v = view(get_row(session, request_id, scope))
    return v if scope.staff else for_agency(v)


def list_requests(
    session: Session,
    scope: Scope,
    *,
    state: RequestState | None = None,
    queue: Queue | None = None,
    limit: int = 500,
) -> list[RequestView]:
    q = select(LegalRequestRow).order_by(LegalRequestRow.id.desc()).limit(limit)
    if not scope.staff:
        if scope.agency_id is None:
            return []
        q = q.where(LegalRequestRow.agency_id == scope.agency_id)
    if state is not None:
        q = q.where(LegalRequestRow.state == state.value)
    if queue is not None:
        q = q.where(LegalRequestRow.queue == queue.value)
    views = [view(r) for r in session.execute(q).scalars()]
    return views if scope.staff else [for_agency(v) for v in views]


def add_document(
    session: Session,
    *,
    request_id: int,
    scope: Scope,
    filename: str,
    content_type: str,
    data: bytes,
    actor: str,
    policy: LegalPolicy,
    targets: NotifiedTargets,
) -> DocumentView:
    """Attach the legal process document (stored with its SHA-256) and re-run the rules."""
    row = get_row(session, request_id, scope)
    if RequestState(row.state) not in _OPEN_FOR_DOCUMENTS:
        raise ConflictError(
            f"request {request_id} is {row.state}; documents can no longer be added"
        )
    if not data:
        raise CounterspyError("empty document")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CounterspyError(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    digest = hashlib.sha256(data).hexdigest()
    doc = DocumentRow(
        request_id=row.id,
        filename=(filename or "document")[:300],
        content_type=(content_type or "application/octet-stream")[:200],
        sha256=digest,
        size=len(data),
        content=data,
        uploaded_by=actor,
        uploaded_at=now(),
    )
    session.add(doc)
    session.flush()
    session.refresh(row, ["documents"])
    before = row.recommendation
    assess(row, policy, targets)
    audit.record(
        session,
        actor=actor,
        action="legal.request.document",
        subject_type="legal_request",
        subject_id=audit_subject(row.id),
        evidence_ref=f"sha256:{digest}",
        before={"recommendation": before},
        after={"document": doc.filename, "size": doc.size, "recommendation": row.recommendation},
    )
    return _doc_view(doc)


def get_document(
    session: Session, *, request_id: int, document_id: int, scope: Scope
) -> tuple[DocumentView, bytes]:
    row = get_row(session, request_id, scope)
    doc = session.get(DocumentRow, document_id)
    if doc is None or doc.request_id != row.id:
        raise NotFoundError(f"no document {document_id} on lawful request {request_id}")
    return _doc_view(doc), doc.content
