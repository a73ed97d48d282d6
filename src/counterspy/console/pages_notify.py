"""Notification batches: the list, one batch's make-up, locale previews, approve and reject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.auth.roles import Permission
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import NOTIFY_PAGES, needs, render, row_id, signed_in
from counterspy.errors import CounterspyError, NotFoundError
from counterspy.model import Phase
from counterspy.notify import planning
from counterspy.notify.config import load_config
from counterspy.notify.content import RENDERERS, compose
from counterspy.notify.helplines import helplines
from counterspy.notify.locales import SHIPPED, resolve_locale
from counterspy.notify.models import NoticeRow

router = APIRouter(prefix="/console")


@dataclass(frozen=True)
class Breakdown:
    by_locale: tuple[tuple[str, int], ...]
    by_phase: tuple[tuple[str, int], ...]
    by_country: tuple[tuple[str, int], ...]


def _breakdown(session: Session, batch_id: int) -> Breakdown:
    def grouped(col: object) -> tuple[tuple[str, int], ...]:
        rows = session.execute(
            select(col, func.count())  # type: ignore[call-overload]
            .where(NoticeRow.batch_id == batch_id)
            .group_by(col)
            .order_by(func.count().desc())
        ).all()
        return tuple((str(k), int(n)) for k, n in rows)

    return Breakdown(
        grouped(NoticeRow.locale), grouped(NoticeRow.phase), grouped(NoticeRow.country)
    )


@router.get("/notifications", **needs(NOTIFY_PAGES))
def notifications(
    request: Request,
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    return render(request, "notifications.html.j2", cs, batches=planning.list_batches(session))


@router.get("/notifications/preview", **needs(NOTIFY_PAGES))
def preview(
    request: Request,
    locale: str = Query(default="en", max_length=35),
    phase: Phase = Query(default=Phase.EXPLOITATION),
    rendering: str = Query(default="in_product", pattern="^(in_product|email|sms)$"),
    country: str = Query(default="", max_length=2),
    cs: ConsoleSession = Depends(signed_in),
) -> Response:
    """A notice as a person would read it, in any shipped locale (no personal data)."""
    loc = resolve_locale(locale)
    n = compose(phase, loc, helplines().for_country(country.upper()), datetime.now(UTC).date())
    shown = RENDERERS[rendering](n)
    return render(
        request,
        "notify_preview.html.j2",
        cs,
        notice=shown,
        direction=n.direction,
        lang=loc.replace("_", "-"),
        locale=loc,
        asked=locale,
        phase=phase.value,
        rendering=rendering,
        country=country.upper(),
        locales=SHIPPED,
        phases=[p.value for p in Phase],
        renderings=list(RENDERERS),
    )


@router.get("/notifications/{batch_id}", **needs(NOTIFY_PAGES))
def batch(
    request: Request,
    batch_id: int = row_id(),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    try:
        info = planning.batch_info(session, batch_id)
    except NotFoundError as exc:
        return render(request, "not_found.html.j2", cs, status_code=404, detail=exc.message)
    return render(
        request,
        "notify_batch.html.j2",
        cs,
        batch=info,
        breakdown=_breakdown(session, batch_id),
        can_approve=cs.principal.can(Permission.NOTIFY_APPROVE),
        channels=load_config(request.app.state.workspace).channels,
    )


@router.post("/notifications/{batch_id}/decision", **needs(Permission.NOTIFY_APPROVE, form=True))
def decide(
    request: Request,
    batch_id: int = row_id(),
    decision: str = Form(..., pattern="^(approve|reject)$"),
    reason: str = Form(..., max_length=2000),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    """Approve (the approver may not be the planner) and queue deliveries, or reject."""
    try:
        if decision == "approve":
            channels = tuple(load_config(request.app.state.workspace).channels)
            planning.approve_batch(
                session, batch_id, actor=cs.principal.name, reason=reason, channels=channels
            )
        else:
            planning.reject_batch(session, batch_id, actor=cs.principal.name, reason=reason)
    except CounterspyError as exc:
        session.rollback()
        code = 404 if isinstance(exc, NotFoundError) else 409
        return render(request, "not_found.html.j2", cs, status_code=code, detail=exc.message)
    return RedirectResponse(f"/console/notifications/{batch_id}", status_code=303)
