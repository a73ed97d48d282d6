"""Request and response bodies of the lawful-request API (pydantic at the edge)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from counterspy.legal.model import (
    AgencyStatus,
    AgencyView,
    DataCategory,
    DocumentView,
    EmergencyRisk,
    LegalProcess,
    Outcome,
    Queue,
    RequestState,
    RequestView,
    TaskKind,
    TaskView,
)


class AgencyIn(BaseModel):
    id: str = Field(min_length=2, max_length=64, description="Slug; agency users' organisation")
    name: str = Field(min_length=1, max_length=300)
    country: str = Field(min_length=2, max_length=2, description="CLDR territory code")
    email: str = Field(max_length=320, description="Official contact address")
    contact_phone: str | None = Field(default=None, max_length=64)


class AgencyOut(BaseModel):
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

    @classmethod
    def of(cls, v: AgencyView) -> AgencyOut:
        return cls(**vars(v))


class DomainVerificationIn(BaseModel):
    note: str = Field(min_length=10, max_length=2000, description="How it was verified")


class CallbackIn(BaseModel):
    number: str = Field(min_length=5, max_length=64)
    source: str = Field(min_length=3, max_length=500, description="Where the number came from")
    confirmed: bool
    note: str = Field(default="", max_length=2000)


class RequestIn(BaseModel):
    agency: str | None = Field(
        default=None, max_length=64, description="Staff only; agencies submit as themselves"
    )
    process: LegalProcess
    country: str = Field(min_length=2, max_length=2, description="Issuing country (CLDR code)")
    categories: list[DataCategory] = Field(min_length=1, max_length=3)
    accounts: list[str] = Field(default_factory=list, max_length=1000)
    legal_basis_ref: str | None = Field(default=None, max_length=2000)
    emergency_risk: EmergencyRisk | None = None
    emergency_imminent: bool = False
    emergency_justification: str | None = Field(default=None, max_length=10_000)
    nondisclosure: bool = False
    nondisclosure_until: date | None = None


class FindingOut(BaseModel):
    code: str
    outcome: Outcome
    detail: str


class DocumentOut(BaseModel):
    id: int
    request_id: int
    filename: str
    content_type: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, v: DocumentView) -> DocumentOut:
        return cls(**vars(v))


class TaskOut(BaseModel):
    id: int
    request_id: int
    kind: TaskKind
    due_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    outcome: str | None

    @classmethod
    def of(cls, v: TaskView) -> TaskOut:
        return cls(**vars(v))


class RequestOut(BaseModel):
    id: int
    agency_id: str
    submitted_by: str
    process: LegalProcess
    country: str
    categories: list[DataCategory]
    accounts: list[str]
    legal_basis_ref: str | None
    emergency_risk: EmergencyRisk | None
    emergency_imminent: bool
    emergency_justification: str | None
    nondisclosure: bool
    nondisclosure_until: date | None
    state: RequestState
    queue: Queue
    findings: list[FindingOut]
    recommendation: RequestState
    decision_codes: list[str]
    decision_note: str | None
    decided_by: str | None
    approved_categories: list[DataCategory]
    approved_accounts: list[str]
    produced_categories: list[DataCategory]
    produced_accounts: list[str]
    nothing_produced_code: str | None
    received_at: datetime
    decided_at: datetime | None
    produced_at: datetime | None
    closed_at: datetime | None
    documents: list[DocumentOut]
    tasks: list[TaskOut]

    @classmethod
    def of(cls, v: RequestView) -> RequestOut:
        data = vars(v) | {
            "findings": [FindingOut(**vars(f)) for f in v.findings],
            "documents": [DocumentOut.of(d) for d in v.documents],
            "tasks": [TaskOut.of(t) for t in v.tasks],
        }
        return cls(**data)


class StatusOut(BaseModel):
    id: int
    state: RequestState
    decision_codes: list[str]
    received_at: datetime
    decided_at: datetime | None
    produced_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, v: RequestView) -> StatusOut:
        return cls(
            id=v.id,
            state=v.state,
            decision_codes=list(v.decision_codes),
            received_at=v.received_at,
            decided_at=v.decided_at,
            produced_at=v.produced_at,
            closed_at=v.closed_at,
        )


class VerifyIn(BaseModel):
    authentic: bool = Field(description="Did the legal process document check out?")
    note: str = Field(min_length=1, max_length=2000, description="What was checked, and how")


class DecisionIn(BaseModel):
    decision: RequestState
    reason_codes: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=5000)
    categories: list[DataCategory] | None = Field(default=None, description="Partial approvals")
    accounts: list[str] | None = Field(default=None, max_length=1000)


class ProductionIn(BaseModel):
    categories: list[DataCategory] = Field(min_length=1)
    accounts: list[str] = Field(min_length=1, max_length=1000)
    note: str = Field(default="", max_length=5000)


class CloseIn(BaseModel):
    code: str | None = Field(default=None, max_length=64, description="Why nothing was produced")
    note: str = Field(default="", max_length=5000)


class TaskDoneIn(BaseModel):
    outcome: str = Field(min_length=1, max_length=5000)
