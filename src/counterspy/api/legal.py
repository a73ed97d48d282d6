"""The lawful-request API: agencies submit and follow their own requests; the legal team
verifies agencies, reviews, decides and records production.

Agency routes live under ``/v1/legal/own`` and are scoped to the caller's organisation: a request
of another agency is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, UploadFile, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from counterspy.api.auth import current_principal, db_session, guarded
from counterspy.api.legal_deps import (
    download,
    draft_from,
    get_policy,
    get_targets,
    own_scope,
    read_upload,
    submitting_agency,
)
from counterspy.api.legal_schemas import (
    AgencyIn,
    AgencyOut,
    CallbackIn,
    CloseIn,
    DecisionIn,
    DocumentOut,
    DomainVerificationIn,
    ProductionIn,
    RequestIn,
    RequestOut,
    StatusOut,
    TaskDoneIn,
    TaskOut,
    VerifyIn,
)
from counterspy.api.params import DbId
from counterspy.auth.roles import Permission, Role
from counterspy.auth.users import Principal
from counterspy.errors import NotFoundError
from counterspy.legal import agencies, requests, workflow
from counterspy.legal.model import Queue, RequestState
from counterspy.legal.policy import LegalPolicy
from counterspy.legal.requests import Scope
from counterspy.legal.targets import NotifiedTargets

router = APIRouter(prefix="/v1/legal", tags=["legal"])


# --- agency-facing -----------------------------------------------------------------------


@router.post(
    "/requests",
    response_model=RequestOut,
    status_code=status.HTTP_201_CREATED,
    **guarded(Permission.LEGAL_SUBMIT),
)
def submit(
    body: RequestIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
    targets: NotifiedTargets = Depends(get_targets),
) -> RequestOut:
    """Submit a lawful request; the due-process rules run at once."""
    agency = submitting_agency(principal, body.agency)
    v = requests.submit_request(
        session,
        agency_id=agency,
        draft=draft_from(body),
        actor=principal.name,
        policy=policy,
        targets=targets,
    )
    return RequestOut.of(v if principal.role is not Role.AGENCY else requests.for_agency(v))


@router.get("/own/requests", response_model=list[RequestOut], **guarded(Permission.LEGAL_READ_OWN))
def list_own(
    state: RequestState | None = Query(default=None),
    scope: Scope = Depends(own_scope),
    session: Session = Depends(db_session),
) -> list[RequestOut]:
    """The caller's agency's requests, newest first."""
    return [RequestOut.of(v) for v in requests.list_requests(session, scope, state=state)]


@router.get(
    "/own/requests/{request_id}", response_model=RequestOut, **guarded(Permission.LEGAL_READ_OWN)
)
def get_own(
    request_id: DbId, scope: Scope = Depends(own_scope), session: Session = Depends(db_session)
) -> RequestOut:
    """One of the caller's agency's requests, with its status."""
    return RequestOut.of(requests.get_request(session, request_id, scope))


@router.get(
    "/own/requests/{request_id}/status",
    response_model=StatusOut,
    **guarded(Permission.LEGAL_READ_OWN),
)
def own_status(
    request_id: DbId, scope: Scope = Depends(own_scope), session: Session = Depends(db_session)
) -> StatusOut:
    """Just where one of the caller's agency's requests stands."""
    return StatusOut.of(requests.get_request(session, request_id, scope))


@router.post(
    "/own/requests/{request_id}/documents",
    response_model=DocumentOut,
    status_code=status.HTTP_201_CREATED,
    **guarded(Permission.LEGAL_SUBMIT),
)
async def upload_document(
    request_id: DbId,
    document: UploadFile = File(..., description="The legal process document"),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
    targets: NotifiedTargets = Depends(get_targets),
) -> DocumentOut:
    """Attach the legal basis document to one of the caller's agency's requests."""
    data = await read_upload(document)
    v = requests.add_document(
        session,
        request_id=request_id,
        scope=Scope.agency(principal.organisation),
        filename=document.filename or "document",
        content_type=document.content_type or "application/octet-stream",
        data=data,
        actor=principal.name,
        policy=policy,
        targets=targets,
    )
    return DocumentOut.of(v)


@router.get(
    "/own/requests/{request_id}/documents/{document_id}",
    response_class=Response,
    **guarded(Permission.LEGAL_READ_OWN),
)
def download_own_document(
    request_id: DbId,
    document_id: DbId,
    scope: Scope = Depends(own_scope),
    session: Session = Depends(db_session),
) -> Response:
    meta, data = requests.get_document(
        session, request_id=request_id, document_id=document_id, scope=scope
    )
    return download(data, meta.filename, meta.sha256)


@router.get("/own/agency", response_model=AgencyOut, **guarded(Permission.LEGAL_READ_OWN))
def own_agency(
    principal: Principal = Depends(current_principal), session: Session = Depends(db_session)
) -> AgencyOut:
    """The caller's agency registration and verification status."""
    if principal.organisation is None:
        raise NotFoundError("this user acts for no agency")
    return AgencyOut.of(agencies.view(agencies.get_row(session, principal.organisation)))


# --- legal team ----------------------------------------------------------------------------


@router.get("/requests", response_model=list[RequestOut], **guarded(Permission.LEGAL_READ_ALL))
def list_all(
    state: RequestState | None = Query(default=None),
    queue: Queue | None = Query(default=None, description="standard or senior review queue"),
    limit: int = Query(default=500, ge=1, le=5000),
    session: Session = Depends(db_session),
) -> list[RequestOut]:
    views = requests.list_requests(session, Scope.everyone(), state=state, queue=queue, limit=limit)
    return [RequestOut.of(v) for v in views]


@router.get(
    "/requests/{request_id}", response_model=RequestOut, **guarded(Permission.LEGAL_READ_ALL)
)
def get_any(request_id: DbId, session: Session = Depends(db_session)) -> RequestOut:
    return RequestOut.of(requests.get_request(session, request_id, Scope.everyone()))


@router.get(
    "/requests/{request_id}/documents/{document_id}",
    response_class=Response,
    **guarded(Permission.LEGAL_READ_ALL),
)
def download_document(
    request_id: DbId, document_id: DbId, session: Session = Depends(db_session)
) -> Response:
    meta, data = requests.get_document(
        session, request_id=request_id, document_id=document_id, scope=Scope.everyone()
    )
    return download(data, meta.filename, meta.sha256)


@router.post(
    "/requests/{request_id}/verification",
    response_model=RequestOut,
    **guarded(Permission.LEGAL_REVIEW),
)
def verify(
    request_id: DbId,
    body: VerifyIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
    targets: NotifiedTargets = Depends(get_targets),
) -> RequestOut:
    """Record the check of the legal process; moves the request into review."""
    v = workflow.verify(
        session,
        request_id=request_id,
        actor=principal.name,
        authentic=body.authentic,
        note=body.note,
        policy=policy,
        targets=targets,
    )
    return RequestOut.of(v)


@router.post(
    "/requests/{request_id}/decision", response_model=RequestOut, **guarded(Permission.LEGAL_REVIEW)
)
def decide(
    request_id: DbId,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
) -> RequestOut:
    v = workflow.decide(
        session,
        request_id=request_id,
        actor=principal.name,
        decision=body.decision,
        codes=body.reason_codes,
        policy=policy,
        note=body.note,
        categories=body.categories,
        accounts=body.accounts,
    )
    return RequestOut.of(v)


@router.post(
    "/requests/{request_id}/production",
    response_model=RequestOut,
    **guarded(Permission.LEGAL_REVIEW),
)
def produce(
    request_id: DbId,
    body: ProductionIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> RequestOut:
    """Record exactly which categories of which accounts were produced."""
    v = workflow.produce(
        session,
        request_id=request_id,
        actor=principal.name,
        categories=body.categories,
        accounts=body.accounts,
        note=body.note,
    )
    return RequestOut.of(v)


@router.post(
    "/requests/{request_id}/closure", response_model=RequestOut, **guarded(Permission.LEGAL_REVIEW)
)
def close(
    request_id: DbId,
    body: CloseIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
) -> RequestOut:
    v = workflow.close(
        session,
        request_id=request_id,
        actor=principal.name,
        policy=policy,
        code=body.code,
        note=body.note,
    )
    return RequestOut.of(v)


@router.get("/tasks", response_model=list[TaskOut], **guarded(Permission.LEGAL_READ_ALL))
def tasks(
    due: bool = Query(default=False, description="Only tasks due now"),
    session: Session = Depends(db_session),
) -> list[TaskOut]:
    """Open follow-ups: emergency reviews and user notices."""
    found = workflow.due_tasks(session) if due else workflow.open_tasks(session)
    return [TaskOut.of(t) for t in found]


@router.post("/tasks/{task_id}/done", response_model=TaskOut, **guarded(Permission.LEGAL_REVIEW))
def task_done(
    task_id: DbId,
    body: TaskDoneIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> TaskOut:
    return TaskOut.of(
        workflow.complete_task(session, task_id=task_id, actor=principal.name, outcome=body.outcome)
    )


@router.get("/agencies", response_model=list[AgencyOut], **guarded(Permission.LEGAL_READ_ALL))
def list_agencies(session: Session = Depends(db_session)) -> list[AgencyOut]:
    return [AgencyOut.of(a) for a in agencies.list_agencies(session)]


@router.post(
    "/agencies",
    response_model=AgencyOut,
    status_code=status.HTTP_201_CREATED,
    **guarded(Permission.LEGAL_REVIEW),
)
def register_agency(
    body: AgencyIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
) -> AgencyOut:
    """Register an agency; an official e-mail domain is verified at once."""
    v = agencies.register_agency(
        session,
        agency_id=body.id,
        name=body.name,
        country=body.country,
        email=body.email,
        contact_phone=body.contact_phone,
        actor=principal.name,
        policy=policy,
    )
    return AgencyOut.of(v)


@router.post(
    "/agencies/{agency_id}/domain-verification",
    response_model=AgencyOut,
    **guarded(Permission.LEGAL_REVIEW),
)
def verify_domain(
    agency_id: str,
    body: DomainVerificationIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> AgencyOut:
    v = agencies.verify_domain_manually(
        session, agency_id=agency_id, actor=principal.name, note=body.note
    )
    return AgencyOut.of(v)


@router.post(
    "/agencies/{agency_id}/callback", response_model=AgencyOut, **guarded(Permission.LEGAL_REVIEW)
)
def callback(
    agency_id: str,
    body: CallbackIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> AgencyOut:
    """Record the call-back to a number obtained independently of the requester."""
    v = agencies.record_callback(
        session,
        agency_id=agency_id,
        number=body.number,
        source=body.source,
        confirmed=body.confirmed,
        actor=principal.name,
        note=body.note,
    )
    return AgencyOut.of(v)
