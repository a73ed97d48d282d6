"""Request and response bodies of the cases API (limits are part of the schema)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from counterspy.api.params import MAX_ID
from counterspy.cases.views import AppealState, CaseState, Decision

_STRICT = ConfigDict(extra="forbid")
_OUT = ConfigDict(from_attributes=True)
_CTL = r"[^\x00-\x08\x0b\x0c\x0e-\x1f]"
TEXT_PATTERN = rf"^{_CTL}*[^\s\x00-\x1f]{_CTL}*$"  # one visible character, no control chars
ID_PATTERN = r"^[^\s\x00-\x1f]+$"

MAX_BULK = 5000  # accounts or items in one review, split or list


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


Utc = Annotated[datetime, AfterValidator(_utc)]


def _text(max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length, pattern=TEXT_PATTERN)


AccountId = Annotated[str, Field(min_length=1, max_length=200, pattern=ID_PATTERN)]
ReasonCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
Note = Annotated[str, _text(4000)]
Reason = Annotated[str, _text(2000)]
UserName = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)]


class ReviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "approved", "reason_code": "surveillance-for-hire"}]
        },
    )

    decision: Literal["approved", "rejected"]
    reason_code: ReasonCode
    accounts: list[AccountId] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_BULK,
        description="Accounts to decide; omit to decide every account still pending.",
    )
    note: Note | None = None


class InfraItemIn(BaseModel):
    model_config = _STRICT

    kind: Literal["domain", "ip", "url"]
    value: Annotated[str, Field(min_length=1, max_length=500, pattern=ID_PATTERN)]


class InfraReviewIn(BaseModel):
    model_config = _STRICT

    decision: Literal["approved", "rejected"]
    reason_code: ReasonCode
    items: list[InfraItemIn] | None = Field(
        default=None, min_length=1, max_length=MAX_BULK, description="Omit: every pending item."
    )
    note: Note | None = None


class SplitIn(BaseModel):
    model_config = _STRICT

    accounts: list[AccountId] = Field(min_length=1, max_length=MAX_BULK)
    reason: Reason


class MergeIn(BaseModel):
    model_config = _STRICT

    other: int = Field(ge=1, le=MAX_ID, strict=True, description="Case merged into this one")
    reason: Reason


class AssignIn(BaseModel):
    model_config = _STRICT

    assignee: UserName


class CloseIn(BaseModel):
    model_config = _STRICT

    reason: Reason


class AppealIn(BaseModel):
    model_config = _STRICT

    account_id: AccountId
    statement: Annotated[str, _text(10_000)] = Field(
        description="The owner's appeal, as received (recorded by staff on their behalf)"
    )
    assignee: UserName | None = Field(
        default=None, description="Reviewer to decide it (default: least busy eligible one)"
    )


class AppealDecisionIn(BaseModel):
    model_config = _STRICT

    decision: Literal["upheld", "reinstated"]
    reason_code: ReasonCode
    note: Note | None = None


class SignalOut(BaseModel):
    model_config = _OUT

    detector: str
    signal: str
    phase: str
    value: float
    threshold: float
    weight: float
    window_start: str | None
    window_end: str | None
    evidence: str


class CaseSummaryOut(BaseModel):
    model_config = _OUT

    id: int
    title: str
    state: CaseState
    firm: str
    confidence: float
    assignee: str | None
    operations: list[str]
    accounts: int
    decisions: dict[str, int]
    infrastructure: int
    evidence_changed_at: Utc | None
    opened_by: str
    opened_at: Utc
    updated_at: Utc
    split_from: int | None
    merged_into: int | None


class OperationOut(BaseModel):
    model_config = _OUT

    operation_id: str
    firm: str
    confidence: float
    rationale: str
    phases: list[str]
    n_accounts: int
    targets_total: int
    targets_at_risk: int
    targets_by_phase: dict[str, int]
    targets_by_country: dict[str, int]


class CaseAccountOut(BaseModel):
    model_config = _OUT

    account_id: str
    operation_id: str
    score: float
    role: str
    phases: list[str]
    signals: list[SignalOut]
    decision: Decision
    reason_code: str | None
    note: str | None
    decided_by: str | None
    decided_at: Utc | None
    action_id: int | None
    action_status: str | None


class CaseInfraOut(BaseModel):
    model_config = _OUT

    kind: str
    value: str
    accounts: list[str]
    events: int
    label: str
    reason: str
    decision: Decision
    reason_code: str | None
    decided_by: str | None
    action_id: int | None
    action_status: str | None


class CaseOut(BaseModel):
    model_config = _OUT

    summary: CaseSummaryOut
    operations: list[OperationOut]
    accounts: list[CaseAccountOut]
    infrastructure: list[CaseInfraOut]


class OpenOut(BaseModel):
    model_config = _OUT

    operations: int
    created: list[int]
    updated: list[int]
    unchanged: list[int]
    accounts_added: int


class ReviewOut(BaseModel):
    model_config = _OUT

    case_id: int
    decided: list[str]
    unchanged: list[str]
    actions_created: list[int]
    actions_cancelled: list[int]
    state: CaseState


class ReshapeOut(BaseModel):
    model_config = _OUT

    case_id: int
    other_case_id: int
    accounts_moved: int
    infrastructure_moved: int


class ReasonCodeOut(BaseModel):
    code: str
    uses: list[str]
    description: str


class TargetOut(BaseModel):
    target_id: str
    operation_id: str
    phase: str
    at_risk: bool
    country: str | None
    first_seen: Utc | None
    last_seen: Utc | None
    n_events: int
    evidence: str


class ActionOut(BaseModel):
    model_config = _OUT

    id: int
    batch: str
    kind: str
    target: str
    target_kind: str
    status: str
    deliveries: int
    decided_by: str
    decided_at: Utc
    response_code: int | None
    last_error: str | None
    reason: str


class AppealOut(BaseModel):
    model_config = _OUT

    id: int
    account_id: str
    case_id: int
    statement: str
    filed_by: str
    filed_at: Utc
    original_approver: str
    assignee: str
    state: AppealState
    reason_code: str | None
    note: str | None
    decided_by: str | None
    decided_at: Utc | None
    action_id: int | None
    action_status: str | None
