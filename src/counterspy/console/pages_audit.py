"""The audit log viewer: newest first, filtered by actor, action or subject, and a check of the
hash chain on request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.api.auth import db_session
from counterspy.audit import log as audit
from counterspy.audit.models import AuditRow
from counterspy.auth.roles import Permission
from counterspy.console.sessions import ConsoleSession
from counterspy.console.web import needs, render, signed_in

router = APIRouter(prefix="/console")
PAGE = 100


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    reason: str
    evidence_ref: str | None
    change: str


def _change(before: str | None, after: str | None) -> str:
    """A one-line summary of the snapshot fields that changed."""
    b = json.loads(before) if before else {}
    a = json.loads(after) if after else {}
    if not isinstance(b, dict) or not isinstance(a, dict):
        return ""
    parts = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            parts.append(
                f"{key}: {b.get(key, '–')} → {a.get(key, '–')}" if key in b else f"{key}={a[key]}"
            )
    return "; ".join(parts)[:400]


def _lines(
    session: Session, *, actor: str, action: str, subject: str, before_seq: int | None
) -> list[AuditLine]:
    q = select(AuditRow).order_by(AuditRow.seq.desc()).limit(PAGE)
    if actor:
        q = q.where(AuditRow.actor == actor)
    if action:
        q = q.where(AuditRow.action.startswith(action, autoescape=True))
    if subject:
        q = q.where(AuditRow.subject_id == subject)
    if before_seq is not None:
        q = q.where(AuditRow.seq < before_seq)
    return [
        AuditLine(
            seq=r.seq,
            at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
            actor=r.actor,
            action=r.action,
            subject=f"{r.subject_type} {r.subject_id}",
            reason=r.reason,
            evidence_ref=r.evidence_ref,
            change=_change(r.before, r.after),
        )
        for r in session.execute(q).scalars()
    ]


@router.get("/audit", **needs(Permission.AUDIT_READ))
def audit_log(
    request: Request,
    actor: str = Query(default="", max_length=200),
    action: str = Query(default="", max_length=100),
    subject: str = Query(default="", max_length=200),
    before: int | None = Query(default=None, ge=1),
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    lines = _lines(session, actor=actor, action=action, subject=subject, before_seq=before)
    return render(
        request,
        "audit.html.j2",
        cs,
        lines=lines,
        head=audit.head(session),
        filters={"actor": actor, "action": action, "subject": subject},
        older=lines[-1].seq if len(lines) == PAGE else None,
    )


@router.get("/audit/verify", **needs(Permission.AUDIT_READ))
def audit_verify(
    request: Request,
    cs: ConsoleSession = Depends(signed_in),
    session: Session = Depends(db_session),
) -> Response:
    result = audit.verify(session)
    return render(request, "audit_verify.html.j2", cs, result=result)
