"""Server-rendered pages of the lawful-request channel: the request form and the public
transparency report.

The form is plain HTML for agencies without an API client. It authenticates with the agency's
API token typed into the form (not ambient, so cross-site requests cannot ride on it); the web
console replaces this with signed-in sessions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from counterspy.api.auth import _bearer, db_session, get_store
from counterspy.api.legal_deps import get_policy, get_targets, read_upload, submitting_agency
from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal, authenticate_token
from counterspy.errors import ConflictError, CounterspyError
from counterspy.legal import requests
from counterspy.legal.model import DataCategory, EmergencyRisk, LegalProcess, RequestDraft
from counterspy.legal.policy import LegalPolicy, territory_names
from counterspy.legal.targets import NotifiedTargets
from counterspy.legal.transparency import (
    Period,
    build_report,
    render_csv,
    render_html,
    render_template,
)
from counterspy.storage.db import Store

router = APIRouter(tags=["legal pages"])


def form_principal(
    api_token: str | None = Form(default=None, description="The agency's API token"),
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
    store: Store = Depends(get_store),
) -> Principal:
    token = creds.credentials if creds is not None else api_token
    if not token:
        raise HTTPException(401, detail="missing API token", headers={"WWW-Authenticate": "Bearer"})
    with store.session() as s:
        principal = authenticate_token(s, token)
    if principal is None:
        raise HTTPException(401, detail="invalid, expired or revoked token")
    if not principal.can(Permission.LEGAL_SUBMIT):
        raise HTTPException(403, detail=f"requires permission {Permission.LEGAL_SUBMIT.value!r}")
    return principal


def _form_context(error: str | None = None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "processes": [p.value for p in LegalProcess],
        "categories": [c.value for c in DataCategory],
        "risks": [r.value for r in EmergencyRisk],
        "countries": sorted(territory_names().items(), key=lambda kv: kv[1]),
        "error": error,
        "values": values or {},
    }


@router.get("/legal/request-form", response_class=HTMLResponse)
def request_form() -> HTMLResponse:
    """The plain request form (no data in it; submitting needs the agency's token)."""
    return HTMLResponse(render_template("request_form.html.j2", **_form_context()))


@router.post(
    "/legal/requests",
    response_class=HTMLResponse,
    openapi_extra={"x-permission": Permission.LEGAL_SUBMIT.value},
    responses={401: {"description": "Missing or invalid token"}, 403: {"description": "No"}},
)
async def submit_form(
    process: LegalProcess = Form(...),
    country: str = Form(..., max_length=2),
    categories: list[DataCategory] = Form(default=[]),
    accounts: str = Form(default="", max_length=200_000, description="One account per line"),
    legal_basis_ref: str = Form(default="", max_length=2000),
    emergency_risk: EmergencyRisk | None = Form(default=None),
    emergency_imminent: bool = Form(default=False),
    emergency_justification: str = Form(default="", max_length=10_000),
    nondisclosure: bool = Form(default=False),
    nondisclosure_until: date | None = Form(default=None),
    document: UploadFile | None = File(default=None),
    principal: Principal = Depends(form_principal),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
    targets: NotifiedTargets = Depends(get_targets),
) -> HTMLResponse:
    draft = RequestDraft(
        process=process,
        country=country,
        categories=frozenset(categories),
        accounts=tuple(accounts.splitlines()),
        legal_basis_ref=legal_basis_ref,
        emergency_risk=emergency_risk,
        emergency_imminent=emergency_imminent,
        emergency_justification=emergency_justification,
        nondisclosure=nondisclosure,
        nondisclosure_until=nondisclosure_until,
    )
    try:
        data = await read_upload(document) if document is not None and document.filename else b""
        agency = submitting_agency(principal, None)
        v = requests.submit_request(
            session,
            agency_id=agency,
            draft=draft,
            actor=principal.name,
            policy=policy,
            targets=targets,
        )
        if data and document is not None:
            requests.add_document(
                session,
                request_id=v.id,
                scope=requests.Scope.agency(agency),
                filename=document.filename or "document",
                content_type=document.content_type or "application/octet-stream",
                data=data,
                actor=principal.name,
                policy=policy,
                targets=targets,
            )
    except CounterspyError as exc:
        session.rollback()
        code = 409 if isinstance(exc, ConflictError) else 400
        values = {"country": country, "accounts": accounts, "legal_basis_ref": legal_basis_ref}
        page = render_template("request_form.html.j2", **_form_context(exc.message, values))
        return HTMLResponse(page, status_code=code)
    shown = requests.get_request(session, v.id, requests.Scope.agency(agency))
    return HTMLResponse(render_template("request_received.html.j2", request=shown), 201)


def _period(text: str | None) -> Period:
    return Period.parse(text) if text else Period.containing(datetime.now(UTC))


@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(
    request: Request,
    period: str | None = Query(default=None, max_length=7, description="e.g. 2026-H1"),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
) -> HTMLResponse:
    """The public transparency report (aggregates only)."""
    report = build_report(session, _period(period), policy, request.app.state.workspace)
    return HTMLResponse(render_html(report))


@router.get("/transparency.csv", response_class=Response)
def transparency_csv(
    request: Request,
    period: str | None = Query(default=None, max_length=7, description="e.g. 2026-H1"),
    session: Session = Depends(db_session),
    policy: LegalPolicy = Depends(get_policy),
) -> Response:
    """The report as CSV, in the column layout of Google's public download."""
    p = _period(period)
    report = build_report(session, p, policy, request.app.state.workspace)
    return Response(
        render_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transparency-{p.label}.csv"'},
    )
