"""Managing users and API tokens, and turning a presented token into a principal.

Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.auth.models import TokenRow, UserRow
from counterspy.auth.roles import Permission, Role, parse_role, permissions_of
from counterspy.errors import ConflictError, CounterspyError, NotFoundError

TOKEN_PREFIX = "cs"  # noqa: S105 - a label, not a secret
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,119}$")
_hasher = PasswordHasher()
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling, and what they may do."""

    user_id: int
    name: str
    role: Role
    organisation: str | None
    permissions: frozenset[Permission]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    email: str | None
    organisation: str | None
    active: bool
    created_at: datetime
    tokens: int


@dataclass(frozen=True)
class TokenInfo:
    prefix: str
    user: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _get_user(session: Session, name: str) -> UserRow:
    row = session.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(
            f"no user named {name!r}", hint="list users with `counterspy users list`"
        )
    return row


def create_user(
    session: Session,
    *,
    name: str,
    role: str,
    actor: str,
    email: str | None = None,
    organisation: str | None = None,
) -> UserInfo:
    if not _NAME_RE.match(name):
        raise CounterspyError(
            f"invalid user name {name!r}",
            hint="use letters, digits, '.', '_', '@' or '-' (at most 120 characters)",
        )
    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise CounterspyError(str(exc)) from None
    if parsed in (Role.PARTNER, Role.AGENCY) and not organisation:
        raise CounterspyError(
            f"a {parsed.value} user must name the organisation it acts for",
            hint="add --organisation NAME",
        )
    if session.execute(select(UserRow.id).where(UserRow.name == name)).first() is not None:
        raise ConflictError(f"a user named {name!r} already exists")
    row = UserRow(
        name=name,
        role=parsed.value,
        email=email,
        organisation=organisation,
        active=True,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        subject_type="user",
        subject_id=name,
        after={"role": parsed.value, "email": email, "organisation": organisation},
    )
    return _info(row, 0)


def _info(row: UserRow, tokens: int) -> UserInfo:
    return UserInfo(
        name=row.name,
        role=Role(row.role),
        email=row.email,
        organisation=row.organisation,
        active=row.active,
        created_at=_aware(row.created_at) or _now(),
        tokens=tokens,
    )


def list_users(session: Session) -> list[UserInfo]:
    out = []
    for row in session.execute(select(UserRow).order_by(UserRow.name)).scalars():
        live = sum(1 for t in row.tokens if t.revoked_at is None)
        out.append(_info(row, live))
    return out


def set_active(session: Session, *, name: str, active: bool, actor: str, reason: str) -> None:
    row = _get_user(session, name)
    before = row.active
    row.active = active
    audit.record(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        subject_type="user",
        subject_id=name,
        reason=reason,
        before={"active": before},
        after={"active": active},
    )


def set_password(session: Session, *, name: str, password: str, actor: str) -> None:
    if len(password) < 12:
        raise CounterspyError("password too short", hint="use at least 12 characters")
    row = _get_user(session, name)
    row.password_hash = _hasher.hash(password)
    audit.record(
        session, actor=actor, action="user.set_password", subject_type="user", subject_id=name
    )


def check_password(session: Session, *, name: str, password: str) -> Principal | None:
    """The principal if ``password`` is right for an active user, else None."""
    row = session.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()
    if row is None or not row.active or not row.password_hash:
        _hasher.hash(password)  # same cost either way: don't reveal which names exist
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return _principal(row)


def issue_token(
    session: Session,
    *,
    name: str,
    actor: str,
    label: str | None = None,
    expires_in: timedelta | None = None,
) -> tuple[TokenInfo, str]:
    """Create a token for user ``name``. Returns its info and the secret, shown only once."""
    user = _get_user(session, name)
    if not user.active:
        raise CounterspyError(f"user {name!r} is disabled", hint="enable the user first")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    now = _now()
    row = TokenRow(
        user_id=user.id,
        prefix=prefix,
        token_hash=_sha256(secret),
        label=label,
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.issue",
        subject_type="user",
        subject_id=name,
        after={"prefix": prefix, "label": label, "expires_at": row.expires_at},
    )
    return _token_info(row, name), secret


def _token_info(row: TokenRow, user: str) -> TokenInfo:
    return TokenInfo(
        prefix=row.prefix,
        user=user,
        label=row.label,
        created_at=_aware(row.created_at) or _now(),
        expires_at=_aware(row.expires_at),
        revoked=row.revoked_at is not None,
    )


def list_tokens(session: Session, *, name: str | None = None) -> list[TokenInfo]:
    q = select(TokenRow, UserRow.name).join(UserRow).order_by(TokenRow.created_at)
    if name is not None:
        q = q.where(UserRow.name == name)
    return [_token_info(t, n) for t, n in session.execute(q).all()]


def revoke_token(session: Session, *, prefix: str, actor: str, reason: str = "") -> None:
    row = session.execute(select(TokenRow).where(TokenRow.prefix == prefix)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(
            f"no token with prefix {prefix!r}", hint="see `counterspy users tokens`"
        )
    if row.revoked_at is None:
        row.revoked_at = _now()
        audit.record(
            session,
            actor=actor,
            action="token.revoke",
            subject_type="user",
            subject_id=row.user.name,
            reason=reason,
            before={"prefix": prefix, "revoked": False},
            after={"prefix": prefix, "revoked": True},
        )


def _principal(user: UserRow) -> Principal:
    role = Role(user.role)
    return Principal(
        user_id=user.id,
        name=user.name,
        role=role,
        organisation=user.organisation,
        permissions=permissions_of(role),
    )


def authenticate_token(session: Session, token: str) -> Principal | None:
    """The principal behind a presented bearer token, or None if it is not valid now."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(token) > 200:
        return None
    row = session.execute(select(TokenRow).where(TokenRow.prefix == parts[1])).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.token_hash, _sha256(token)):
        return None
    now = _now()
    expires = _aware(row.expires_at)
    if row.revoked_at is not None or (expires is not None and expires <= now):
        return None
    if not row.user.active:
        return None
    # Every API call authenticates: write last-use at most once a minute, not once a request.
    last = _aware(row.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return _principal(row.user)
