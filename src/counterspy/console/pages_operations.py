"""Operation pages: the list of detected operations and one operation with its evidence,
timeline and graph, read-only (decisions are taken on the operation's case), and the outbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.auth.roles import Permission
from counterspy.console.casefile import case_file, list_operations
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, row_id, signed_in
from counterspy.enforce import outbox
from counterspy.enforce.actions import ActionStatus
from counterspy.errors import CounterspyError

router = APIRouter(prefix="/console")


@router.get("/operations", **needs(Permission.CASES_READ))
def operations(
    request: Request,
    firm: str | None = Query(default=None, max_length=64),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    ops = list_operations(request.app.state.workspace, session, firm or None)
    return render(request, "operations.html.j2", cs, operations=ops, firm=firm or "")


@router.get("/operations/{operation_id}", **needs(Permission.CASES_READ))
def operation(
    request: Request,
    operation_id: str,
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    try:
        cf = case_file(
            request.app.state.workspace,
            session,
            operation_id,
            show_targets=cs.principal.can(Permission.TARGETS_READ),
        )
    except CounterspyError as exc:  # unknown operation, or detection has not run
        detail = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return render(request, "not_found.html.j2", cs, status_code=404, detail=detail)
    return render(
        request,
        "operation.html.j2",
        cs,
        case=cf,
        can_targets=cs.principal.can(Permission.TARGETS_READ),
    )


@router.get("/actions", **needs(Permission.CASES_READ))
def actions(
    request: Request,
    status: ActionStatus | None = Query(default=None),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    items = outbox.list_actions(session, status=status, limit=500)
    return render(
        request,
        "actions.html.j2",
        cs,
        items=list(reversed(items)),
        status=status.value if status else "",
        statuses=[s.value for s in ActionStatus],
        can_review=cs.principal.can(Permission.CASES_REVIEW),
    )


@router.post("/actions/{action_id}/cancel", **needs(Permission.CASES_REVIEW, form=True))
def cancel_action(
    request: Request,
    action_id: int = row_id(),
    reason: str = Form(..., max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    try:
        _done, refused = outbox.cancel_actions(
            session, actor=cs.principal.name, reason=reason, ids=[action_id]
        )
    except CounterspyError as exc:
        session.rollback()
        return render(request, "not_found.html.j2", cs, status_code=400, detail=exc.message)
    if refused:
        return render(
            request,
            "not_found.html.j2",
            cs,
            status_code=409,
            detail=f"not cancelled: {refused[0][1]}",
        )
    return RedirectResponse("/console/actions", status_code=303)
