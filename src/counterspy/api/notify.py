"""Target notification over HTTP: the in-product feed the platform polls, batch planning and
approval, previews, and (for ``contacts:read`` only) decrypted contact details."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counterspy.api.auth import current_principal, db_session, guarded
from counterspy.api.params import DbId
from counterspy.audit import log as audit
from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal
from counterspy.model import Phase
from counterspy.notify import contacts as contacts_mod
from counterspy.notify import planning
from counterspy.notify.config import contact_keys, load_config
from counterspy.notify.content import RENDERERS, compose
from counterspy.notify.helplines import helplines
from counterspy.notify.locales import resolve_locale
from counterspy.notify.models import FeedRow
from counterspy.workspace import Workspace

router = APIRouter(prefix="/v1", tags=["notify"])


class FeedItem(BaseModel):
    seq: int = Field(description="Cursor position; pass the last one seen as `after`.")
    notice: str
    account_id: str
    locale: str
    direction: str
    title: str
    html: str
    text: str
    created_at: datetime


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: int


class AckIn(BaseModel):
    notices: list[str] = Field(min_length=1, max_length=10_000)


class AckOut(BaseModel):
    acknowledged: int


class PlanOut(BaseModel):
    batch_id: int | None
    notices: int
    people_seen: int
    operators_skipped: int
    disabled_skipped: int
    awaiting_takedown: int
    already_notified: int
    by_phase: dict[str, int]
    by_locale: dict[str, int]
    countries: int


class BatchOut(BaseModel):
    id: int
    status: str
    planned_by: str
    planned_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    notices: int
    template_version: str
    deliveries: dict[str, dict[str, int]]


class DecisionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    channels: list[str] | None = None


class DecisionOut(BaseModel):
    batch_id: int
    status: str
    count: int


class ContactOut(BaseModel):
    account_id: str
    email: str | None
    phone: str | None


class PreviewOut(BaseModel):
    locale: str
    direction: str
    subject: str
    text: str
    html: str | None


def _workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


@router.get("/notices/pending", response_model=FeedPage, **guarded(Permission.NOTIFY_FEED))
def pending_notices(
    after: int = Query(default=0, ge=0, description="Return notices after this cursor."),
    limit: int = Query(default=100, ge=1, le=1000),
    session: Session = Depends(db_session),
) -> FeedPage:
    """In-product notices not yet acknowledged, oldest first, after the cursor."""
    rows = (
        session.execute(
            select(FeedRow)
            .where(FeedRow.seq > after, FeedRow.acknowledged_at.is_(None))
            .order_by(FeedRow.seq)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    items = [
        FeedItem(
            seq=r.seq,
            notice=r.notice_uid,
            account_id=r.account_id,
            locale=r.locale,
            direction=r.direction,
            title=r.title,
            html=r.body_html,
            text=r.body_text,
            created_at=r.created_at,
        )
        for r in rows
    ]
    return FeedPage(items=items, next_cursor=items[-1].seq if items else after)


@router.post("/notices/ack", response_model=AckOut, **guarded(Permission.NOTIFY_FEED))
def ack_notices(
    body: AckIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> AckOut:
    """The platform showed these notices (by notice id); they leave the pending feed."""
    n = session.execute(
        update(FeedRow)
        .where(FeedRow.notice_uid.in_(body.notices), FeedRow.acknowledged_at.is_(None))
        .values(acknowledged_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if n:
        audit.record(
            session,
            actor=principal.name,
            action="notify.ack",
            subject_type="notice_feed",
            subject_id=f"{n} notices",
            after={"acknowledged": int(n)},
        )
    return AckOut(acknowledged=int(n or 0))


@router.get("/notify/batches", response_model=list[BatchOut], **guarded(Permission.NOTIFY_PLAN))
def batches(session: Session = Depends(db_session)) -> list[BatchOut]:
    return [BatchOut(**vars(b)) for b in planning.list_batches(session)]


@router.post("/notify/batches", response_model=PlanOut, **guarded(Permission.NOTIFY_PLAN))
def plan(
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> PlanOut:
    """Plan a batch for everyone newly eligible (after takedown; operators never)."""
    s = planning.plan_batch(session, _workspace(request), actor=principal.name)
    return PlanOut(
        batch_id=s.batch_id,
        notices=s.notices,
        people_seen=s.people_seen,
        operators_skipped=s.operators_skipped,
        disabled_skipped=s.disabled_skipped,
        awaiting_takedown=s.awaiting_takedown,
        already_notified=s.already_notified,
        by_phase=s.by_phase,
        by_locale=s.by_locale,
        countries=s.countries,
    )


@router.get(
    "/notify/batches/{batch_id}", response_model=BatchOut, **guarded(Permission.NOTIFY_PLAN)
)
def batch(batch_id: DbId, session: Session = Depends(db_session)) -> BatchOut:
    return BatchOut(**vars(planning.batch_info(session, batch_id)))


@router.post(
    "/notify/batches/{batch_id}/approve",
    response_model=DecisionOut,
    **guarded(Permission.NOTIFY_APPROVE),
)
def approve(
    batch_id: DbId,
    body: DecisionIn,
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> DecisionOut:
    """Approve (approver ≠ planner) and queue deliveries."""
    channels = tuple(body.channels or load_config(_workspace(request)).channels)
    n = planning.approve_batch(
        session, batch_id, actor=principal.name, reason=body.reason, channels=channels
    )
    return DecisionOut(batch_id=batch_id, status="approved", count=n)


@router.post(
    "/notify/batches/{batch_id}/reject",
    response_model=DecisionOut,
    **guarded(Permission.NOTIFY_APPROVE),
)
def reject(
    batch_id: DbId,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> DecisionOut:
    n = planning.reject_batch(session, batch_id, actor=principal.name, reason=body.reason)
    return DecisionOut(batch_id=batch_id, status="rejected", count=n)


@router.get(
    "/notify/contacts/{account_id}",
    response_model=ContactOut,
    **guarded(Permission.CONTACTS_READ),
)
def contact(
    account_id: str,
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> ContactOut:
    """Decrypted contact details of one target; every read is audited."""
    cipher = contacts_mod.ContactCipher(contact_keys(load_config(_workspace(request))))
    c = contacts_mod.read_contact(session, account_id, cipher, actor=principal.name)
    return ContactOut(account_id=c.account_id, email=c.email, phone=c.phone)


@router.get("/notify/preview", response_model=PreviewOut, **guarded(Permission.NOTIFY_PLAN))
def preview(
    locale: str = Query(default="en", max_length=35),
    phase: Phase = Query(default=Phase.EXPLOITATION),
    rendering: str = Query(default="in_product", pattern="^(in_product|email|sms)$"),
    country: str = Query(default="", max_length=2),
) -> PreviewOut:
    loc = resolve_locale(locale)
    n = compose(phase, loc, helplines().for_country(country), datetime.now(UTC).date())
    r = RENDERERS[rendering](n)
    return PreviewOut(
        locale=loc, direction=n.direction, subject=r.subject, text=r.text, html=r.html
    )
