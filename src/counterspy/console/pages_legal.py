"""The lawful-request queue for staff, one request's file, and an agency's own requests."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.auth.roles import Permission
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, row_id, signed_in
from counterspy.errors import NotFoundError
from counterspy.legal import requests
from counterspy.legal.model import Queue, RequestState

router = APIRouter(prefix="/console")


@router.get("/legal", **needs(Permission.LEGAL_READ_ALL))
def legal_queue(
    request: Request,
    state: RequestState | None = Query(default=None),
    queue: Queue | None = Query(default=None),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    views = requests.list_requests(session, requests.Scope.everyone(), state=state, queue=queue)
    tasks = [t for v in views for t in v.tasks if t.done_at is None]
    return render(
        request,
        "legal_queue.html.j2",
        cs,
        requests=views,
        open_tasks=tasks,
        state=state.value if state else "",
        queue=queue.value if queue else "",
        states=[s.value for s in RequestState],
        queues=[q.value for q in Queue],
        mine=False,
    )


@router.get("/legal/mine", **needs(Permission.LEGAL_READ_OWN))
def my_requests(
    request: Request,
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    scope = requests.Scope.agency(cs.principal.organisation)
    views = requests.list_requests(session, scope)
    return render(
        request,
        "legal_queue.html.j2",
        cs,
        requests=views,
        open_tasks=[],
        state="",
        queue="",
        states=[],
        queues=[],
        mine=True,
    )


@router.get("/legal/{request_id}", **needs((Permission.LEGAL_READ_OWN, Permission.LEGAL_READ_ALL)))
def legal_request(
    request: Request,
    request_id: int = row_id(),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    """One request: staff with legal:read_all see any; an agency only its own, redacted."""
    staff = cs.principal.can(Permission.LEGAL_READ_ALL)
    scope = requests.Scope.everyone() if staff else requests.Scope.agency(cs.principal.organisation)
    try:
        view = requests.get_request(session, request_id, scope)
    except NotFoundError as exc:
        return render(request, "not_found.html.j2", cs, status_code=404, detail=exc.message)
    return render(request, "legal_request.html.j2", cs, r=view, staff=staff)
