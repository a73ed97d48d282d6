"""Pure types of the lawful-request channel. Enum values are storage keys: they never change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class LegalProcess(StrEnum):
    SUBPOENA = "subpoena"
    COURT_ORDER = "court_order"
    SEARCH_WARRANT = "search_warrant"
    EMERGENCY = "emergency"
    PRESERVATION = "preservation"
    MLAT = "mlat"  # MLAT request or letters rogatory
    OTHER = "other"


class DataCategory(StrEnum):
    SUBSCRIBER = "subscriber"  # basic subscriber information
    NON_CONTENT = "non_content"  # logs, IP addresses, metadata
    CONTENT = "content"  # messages, posts, photos


class EmergencyRisk(StrEnum):
    DEATH = "death"
    SERIOUS_PHYSICAL_INJURY = "serious_physical_injury"
    OTHER = "other"


class RequestState(StrEnum):
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REJECTED = "rejected"
    ROUTED_TO_MLAT = "routed_to_mlat"
    ESCALATED = "escalated"
    PRODUCED = "produced"
    CLOSED = "closed"


class Outcome(StrEnum):
    """What a rule finding does to a request."""

    REJECT = "reject"
    ROUTE_MLAT = "route_mlat"
    ESCALATE = "escalate"
    NARROW = "narrow"
    ADVISORY = "advisory"
    TASK = "task"
    REFUSE = "refuse"
    REVIEWER = "reviewer"  # a code reviewers give, not a rule


class AgencyStatus(StrEnum):
    PENDING = "pending"  # domain or call-back not yet verified
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class TaskKind(StrEnum):
    EMERGENCY_REVIEW = "emergency_review"
    USER_NOTICE = "user_notice"


class Queue(StrEnum):
    STANDARD = "standard"
    SENIOR = "senior"


@dataclass(frozen=True)
class Finding:
    """One due-process rule that fired on a request."""

    code: str
    outcome: Outcome
    detail: str


@dataclass(frozen=True)
class RequestDraft:
    """What an agency asks for; the input of the due-process rules."""

    process: LegalProcess
    country: str  # CLDR territory code of the issuing authority
    categories: frozenset[DataCategory]
    accounts: tuple[str, ...]
    legal_basis_ref: str | None = None
    has_document: bool = False
    emergency_risk: EmergencyRisk | None = None
    emergency_imminent: bool = False
    emergency_justification: str | None = None
    nondisclosure: bool = False
    nondisclosure_until: date | None = None


@dataclass(frozen=True)
class AgencyView:
    id: str
    name: str
    country: str
    email: str
    contact_phone: str | None
    status: AgencyStatus
    domain_verified: bool
    domain_verification: str | None
    callback_confirmed: bool
    callback_note: str | None
    created_at: datetime


@dataclass(frozen=True)
class DocumentView:
    id: int
    request_id: int
    filename: str
    content_type: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class TaskView:
    id: int
    request_id: int
    kind: TaskKind
    due_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    outcome: str | None


@dataclass(frozen=True)
class RequestView:
    id: int
    agency_id: str
    submitted_by: str
    process: LegalProcess
    country: str
    categories: tuple[DataCategory, ...]
    accounts: tuple[str, ...]
    legal_basis_ref: str | None
    emergency_risk: EmergencyRisk | None
    emergency_imminent: bool
    emergency_justification: str | None
    nondisclosure: bool
    nondisclosure_until: date | None
    state: RequestState
    queue: Queue
    findings: tuple[Finding, ...]
    recommendation: RequestState
    decision_codes: tuple[str, ...]
    decision_note: str | None
    decided_by: str | None
    approved_categories: tuple[DataCategory, ...]
    approved_accounts: tuple[str, ...]
    produced_categories: tuple[DataCategory, ...]
    produced_accounts: tuple[str, ...]
    nothing_produced_code: str | None
    received_at: datetime
    decided_at: datetime | None
    produced_at: datetime | None
    closed_at: datetime | None
    documents: tuple[DocumentView, ...]
    tasks: tuple[TaskView, ...]
