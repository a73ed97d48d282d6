"""User and token management, the audit log, and who-am-I."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from counterspy.api.auth import current_principal, db_session, guarded
from counterspy.audit import log as audit
from counterspy.auth import users
from counterspy.auth.roles import Permission, Role
from counterspy.auth.users import Principal

router = APIRouter(prefix="/v1", tags=["admin"])


class MeOut(BaseModel):
    name: str
    role: Role
    organisation: str | None
    permissions: list[str]


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    role: Role
    email: str | None = Field(default=None, max_length=320)
    organisation: str | None = Field(default=None, max_length=200)


class UserOut(BaseModel):
    name: str
    role: Role
    email: str | None
    organisation: str | None
    active: bool
    created_at: datetime
    tokens: int


class TokenIn(BaseModel):
    label: str | None = Field(default=None, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    prefix: str
    user: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret. Shown once; store it now.")


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    reason: str
    evidence_ref: str | None
    before: str | None
    after: str | None
    prev_hash: str
    hash: str


class ProblemOut(BaseModel):
    seq: int
    kind: str
    detail: str


class VerifyOut(BaseModel):
    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    problems: list[ProblemOut]


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(principal: Principal = Depends(current_principal)) -> MeOut:
    """Who the presented token belongs to, and what it may do."""
    return MeOut(
        name=principal.name,
        role=principal.role,
        organisation=principal.organisation,
        permissions=sorted(p.value for p in principal.permissions),
    )


@router.get("/users", response_model=list[UserOut], **guarded(Permission.USERS_MANAGE))
def list_users(session: Session = Depends(db_session)) -> list[UserOut]:
    return [UserOut(**vars(u)) for u in users.list_users(session)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    **guarded(Permission.USERS_MANAGE),
)
def create_user(
    body: UserIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> UserOut:
    info = users.create_user(
        session,
        name=body.name,
        role=body.role.value,
        email=body.email,
        organisation=body.organisation,
        actor=principal.name,
    )
    return UserOut(**vars(info))


@router.post(
    "/users/{name}/tokens",
    response_model=NewTokenOut,
    status_code=status.HTTP_201_CREATED,
    **guarded(Permission.USERS_MANAGE),
)
def issue_token(
    name: str,
    body: TokenIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> NewTokenOut:
    expires = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    info, secret = users.issue_token(
        session, name=name, actor=principal.name, label=body.label, expires_in=expires
    )
    return NewTokenOut(**vars(info), token=secret)


@router.delete(
    "/tokens/{prefix}",
    status_code=status.HTTP_204_NO_CONTENT,
    **guarded(Permission.USERS_MANAGE),
)
def revoke_token(
    prefix: str,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> None:
    users.revoke_token(session, prefix=prefix, actor=principal.name)


@router.get("/audit", response_model=list[AuditEntryOut], **guarded(Permission.AUDIT_READ))
def audit_entries(
    subject_id: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=100, ge=1, le=10_000),
    session: Session = Depends(db_session),
) -> list[AuditEntryOut]:
    """Newest entries first."""
    return [
        AuditEntryOut(**vars(e)) for e in audit.entries(session, subject_id=subject_id, limit=limit)
    ]


@router.get("/audit/verify", response_model=VerifyOut, **guarded(Permission.AUDIT_READ))
def audit_verify(session: Session = Depends(db_session)) -> VerifyOut:
    result = audit.verify(session)
    return VerifyOut(
        ok=result.ok,
        rows=result.rows,
        head_seq=result.head.seq,
        head_hash=result.head.hash,
        problems=[ProblemOut(seq=p.seq, kind=p.kind, detail=p.detail) for p in result.problems],
    )
