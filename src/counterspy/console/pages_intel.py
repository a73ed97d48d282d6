"""Indicators (read) and the blocklist (add and remove, audited)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.audit import log as audit
from counterspy.auth.roles import Permission
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, signed_in
from counterspy.errors import CounterspyError
from counterspy.intel import store as intel

router = APIRouter(prefix="/console")


def _page(
    request: Request,
    cs: ConsoleSession,
    *,
    type_: str = "",
    contains: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    store = request.app.state.store
    return render(
        request,
        "intel.html.j2",
        cs,
        status_code=status_code,
        stats=intel.stats(store),
        indicators=intel.list_indicators(
            store, type_=type_ or None, contains=contains or None, limit=200
        ),
        blocks=intel.list_blocks(store),
        type_=type_,
        contains=contains,
        error=error,
        can_write=cs.principal.can(Permission.INTEL_WRITE),
    )


@router.get("/intel", **needs(Permission.INTEL_READ))
def intel_page(
    request: Request,
    type_: str = Query(default="", alias="type", max_length=32),
    contains: str = Query(default="", max_length=200),
    cs: ConsoleSession = Depends(signed_in),
) -> Response:
    return _page(request, cs, type_=type_, contains=contains)


@router.post("/intel/blocklist", **needs(Permission.INTEL_WRITE, form=True))
def block(
    request: Request,
    value: str = Form(..., max_length=2000),
    reason: str = Form(..., max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    if not reason.strip():
        return _page(request, cs, error="Give a reason for the block.", status_code=400)
    try:
        view = intel.block_in_session(session, value, reason=reason, added_by=cs.principal.name)
    except CounterspyError as exc:
        session.rollback()
        return _page(request, cs, error=exc.message, status_code=400)
    audit.record(
        session,
        actor=cs.principal.name,
        action="blocklist.add",
        subject_type=view.type,
        subject_id=view.value,
        reason=reason,
    )
    return RedirectResponse("/console/intel", status_code=303)


@router.post("/intel/blocklist/remove", **needs(Permission.INTEL_WRITE, form=True))
def unblock(
    request: Request,
    value: str = Form(..., max_length=2000),
    reason: str = Form(..., max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    if not reason.strip():
        return _page(request, cs, error="Give a reason for lifting the block.", status_code=400)
    if intel.unblock_in_session(session, value) == 0:
        return _page(request, cs, error=f"{value!r} is not on the blocklist.", status_code=404)
    audit.record(
        session,
        actor=cs.principal.name,
        action="blocklist.remove",
        subject_type="blocklist",
        subject_id=value.strip()[:200],
        reason=reason,
    )
    return RedirectResponse("/console/intel", status_code=303)
