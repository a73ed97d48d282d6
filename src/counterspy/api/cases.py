"""Cases over HTTP: evidence, review, split/merge, appeals and action status."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from counterspy.api.auth import current_principal, db_session, guarded
from counterspy.api.cases_schemas import (
    ActionOut,
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    AssignIn,
    CaseOut,
    CaseSummaryOut,
    CloseIn,
    InfraReviewIn,
    MergeIn,
    OpenOut,
    ReasonCodeOut,
    ReshapeOut,
    ReviewIn,
    ReviewOut,
    SplitIn,
    TargetOut,
)
from counterspy.api.params import MAX_ID
from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal
from counterspy.cases import appeals, opening, reshape, review
from counterspy.cases.codes import reason_codes
from counterspy.cases.views import AppealState, CaseState, Decision, get_case, list_cases
from counterspy.detect.results import read_result
from counterspy.enforce import outbox
from counterspy.workspace import Workspace

router = APIRouter(prefix="/v1", tags=["cases"])

_ERRORS = {
    400: "Invalid input (the message says which and why)",
    404: "No such case, appeal or account in the case",
    409: "Conflicts with the case's state or the four-eyes rule",
}
CaseId = Path(ge=1, le=MAX_ID, description="Case id")
AppealId = Path(ge=1, le=MAX_ID, description="Appeal id")


def _route(permission: Permission, *codes: int) -> dict[str, Any]:
    kw = guarded(permission)
    kw["responses"] = {**kw["responses"], **{c: {"description": _ERRORS[c]} for c in codes}}
    return kw


def _workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


@router.get("/cases", response_model=list[CaseSummaryOut], **_route(Permission.CASES_READ))
def cases_list(
    state: CaseState | None = Query(default=None),
    assignee: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=MAX_ID),
    session: Session = Depends(db_session),
) -> list[CaseSummaryOut]:
    """Cases, newest first, with counts of decisions."""
    found = list_cases(session, state=state, assignee=assignee, limit=limit, offset=offset)
    return [CaseSummaryOut.model_validate(c) for c in found]


@router.post("/cases/open", response_model=OpenOut, **_route(Permission.CASES_WRITE, 400))
def cases_open(
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> OpenOut:
    """Open or update one case per operation of the workspace's latest detection run."""
    summary = opening.open_cases(session, _workspace(request), actor=principal.name)
    return OpenOut.model_validate(summary)


@router.get(
    "/cases/reason-codes", response_model=list[ReasonCodeOut], **_route(Permission.CASES_READ)
)
def cases_reason_codes() -> list[ReasonCodeOut]:
    """The policy reason codes a decision must carry, and what each may be used for."""
    return [
        ReasonCodeOut(code=c.code, uses=sorted(u.value for u in c.uses), description=c.description)
        for c in reason_codes().values()
    ]


@router.get("/cases/{case_id}", response_model=CaseOut, **_route(Permission.CASES_READ, 404))
def case_get(case_id: int = CaseId, session: Session = Depends(db_session)) -> CaseOut:
    """One case: operations (attribution, targets summary), accounts, infrastructure."""
    return CaseOut.model_validate(get_case(session, case_id))


@router.get(
    "/cases/{case_id}/targets",
    response_model=list[TargetOut],
    **_route(Permission.TARGETS_READ, 404),
)
def case_targets(
    request: Request,
    case_id: int = CaseId,
    limit: int = Query(default=1000, ge=1, le=100_000),
    session: Session = Depends(db_session),
) -> list[TargetOut]:
    """Who the case's operations targeted (from the latest detection results)."""
    ops = set(get_case(session, case_id).summary.operations)
    frame = read_result(_workspace(request), "targets")
    frame = frame[frame["operation_id"].isin(ops)].sort_values(["operation_id", "target_id"])
    out = []
    for r in frame.head(limit).to_dict("records"):
        out.append(
            TargetOut(
                target_id=str(r["target_id"]),
                operation_id=str(r["operation_id"]),
                phase=str(r["phase"]),
                at_risk=bool(r["at_risk"]) if pd.notna(r["at_risk"]) else False,
                country=str(r["country"]) if isinstance(r["country"], str) else None,
                first_seen=None if pd.isna(r["first_seen"]) else r["first_seen"],
                last_seen=None if pd.isna(r["last_seen"]) else r["last_seen"],
                n_events=int(r["n_events"]),
                evidence=str(r["evidence"]),
            )
        )
    return out


@router.post(
    "/cases/{case_id}/review",
    response_model=ReviewOut,
    **_route(Permission.CASES_REVIEW, 400, 404, 409),
)
def case_review(
    body: ReviewIn,
    case_id: int = CaseId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> ReviewOut:
    """Approve (disable, through the outbox) or reject accounts, with a policy reason code."""
    result = review.review_accounts(
        session,
        case_id,
        decision=Decision(body.decision),
        reason_code=body.reason_code,
        actor=principal.name,
        accounts=body.accounts,
        note=body.note,
    )
    return ReviewOut.model_validate(result)


@router.post(
    "/cases/{case_id}/review-infrastructure",
    response_model=ReviewOut,
    **_route(Permission.CASES_REVIEW, 400, 404, 409),
)
def case_review_infrastructure(
    body: InfraReviewIn,
    case_id: int = CaseId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> ReviewOut:
    """Approve (block) or reject the case's domains and IP addresses."""
    items = None if body.items is None else [(i.kind, i.value) for i in body.items]
    result = review.review_infrastructure(
        session,
        case_id,
        decision=Decision(body.decision),
        reason_code=body.reason_code,
        actor=principal.name,
        items=items,
        note=body.note,
    )
    return ReviewOut.model_validate(result)


@router.post(
    "/cases/{case_id}/assign",
    response_model=CaseSummaryOut,
    **_route(Permission.CASES_REVIEW, 400, 404, 409),
)
def case_assign(
    body: AssignIn,
    case_id: int = CaseId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> CaseSummaryOut:
    """Assign the case to a reviewer."""
    review.assign_case(session, case_id, assignee=body.assignee, actor=principal.name)
    return CaseSummaryOut.model_validate(get_case(session, case_id).summary)


@router.post(
    "/cases/{case_id}/close",
    response_model=CaseSummaryOut,
    **_route(Permission.CASES_REVIEW, 400, 404, 409),
)
def case_close(
    body: CloseIn,
    case_id: int = CaseId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> CaseSummaryOut:
    """Close a decided case."""
    review.close_case(session, case_id, actor=principal.name, reason=body.reason)
    return CaseSummaryOut.model_validate(get_case(session, case_id).summary)


@router.post(
    "/cases/{case_id}/split",
    response_model=ReshapeOut,
    **_route(Permission.CASES_WRITE, 400, 404, 409),
)
def case_split(
    body: SplitIn,
    case_id: int = CaseId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> ReshapeOut:
    """Move some accounts (with their decisions) to a new case."""
    result = reshape.split_case(
        session, case_id, accounts=body.accounts, actor=principal.name, reason=body.reason
    )
    return ReshapeOut.model_validate(result)


@router.post(
    "/cases/{case_id}/merge",
    response_model=ReshapeOut,
    **_route(Permission.CASES_WRITE, 400, 404, 409),
)
def case_merge(
    body: MergeIn,
    case_id: int = CaseId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> ReshapeOut:
    """Merge case ``other`` into this one; ``other`` is closed."""
    result = reshape.merge_cases(
        session, case_id, other=body.other, actor=principal.name, reason=body.reason
    )
    return ReshapeOut.model_validate(result)


@router.get(
    "/cases/{case_id}/actions", response_model=list[ActionOut], **_route(Permission.CASES_READ, 404)
)
def case_actions(case_id: int = CaseId, session: Session = Depends(db_session)) -> list[ActionOut]:
    """Enforcement actions the case's decisions and appeals created, with delivery status."""
    items = outbox.actions_by_id(session, review.case_action_ids(session, case_id))
    return [ActionOut.model_validate(i) for i in items]


@router.post(
    "/appeals",
    response_model=AppealOut,
    status_code=201,
    **_route(Permission.CASES_WRITE, 400, 404, 409),
)
def appeal_file(
    body: AppealIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> AppealOut:
    """Record an account owner's appeal; it goes to a reviewer other than the approver."""
    info = appeals.file_appeal(
        session,
        account_id=body.account_id,
        statement=body.statement,
        filed_by=principal.name,
        assignee=body.assignee,
    )
    return AppealOut.model_validate(info)


@router.get("/appeals", response_model=list[AppealOut], **_route(Permission.CASES_READ))
def appeal_list(
    state: AppealState | None = Query(default=None),
    assignee: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=MAX_ID),
    session: Session = Depends(db_session),
) -> list[AppealOut]:
    """Appeals, newest first."""
    found = appeals.list_appeals(
        session, state=state, assignee=assignee, limit=limit, offset=offset
    )
    return [AppealOut.model_validate(a) for a in found]


@router.get("/appeals/{appeal_id}", response_model=AppealOut, **_route(Permission.CASES_READ, 404))
def appeal_get(appeal_id: int = AppealId, session: Session = Depends(db_session)) -> AppealOut:
    return AppealOut.model_validate(appeals.get_appeal(session, appeal_id))


@router.post(
    "/appeals/{appeal_id}/decide",
    response_model=AppealOut,
    **_route(Permission.CASES_REVIEW, 400, 404, 409),
)
def appeal_decide(
    body: AppealDecisionIn,
    appeal_id: int = AppealId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> AppealOut:
    """Uphold the action, or reinstate the account (a ``reinstate_account`` action)."""
    info = appeals.decide_appeal(
        session,
        appeal_id,
        decision=appeals.AppealDecision(body.decision),
        reason_code=body.reason_code,
        actor=principal.name,
        note=body.note,
    )
    return AppealOut.model_validate(info)
