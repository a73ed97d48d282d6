"""Console sign-in: password check with a lockout, server-side sessions, CSRF tokens.

* A session id is 256 random bits, sent only in an HttpOnly, SameSite=Strict cookie. The store
  keeps its SHA-256, never the id itself.
* A session ends after :data:`IDLE_TIMEOUT` without a request, after :data:`ABSOLUTE_TIMEOUT`
  in any case, at sign-out, and at once when its user is disabled.
* Each session has a synchroniser token that every POST form carries (:func:`csrf_ok`).
* :data:`MAX_FAILURES` failed sign-ins for one user name within :data:`LOCKOUT_WINDOW` refuse
  further attempts for that name until the window has passed, whatever the password (this
  slows online guessing; argon2id already makes each guess cost ~50 ms of server time).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.auth.models import UserRow
from counterspy.auth.roles import Role, permissions_of
from counterspy.auth.users import Principal, check_password
from counterspy.console.models import ConsoleSessionRow, LoginFailureRow

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
# Write last-seen at most this often: every page view authenticates.
SEEN_RESOLUTION = timedelta(seconds=30)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConsoleSession:
    """A live session: who, and the CSRF token its forms must carry."""

    principal: Principal
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a session id for the cookie, or why not."""

    session_id: str | None
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.session_id is not None


def recent_failures(session: Session, name: str, now: datetime | None = None) -> int:
    since = (now or _now()) - LOCKOUT_WINDOW
    count = session.execute(
        select(func.count())
        .select_from(LoginFailureRow)
        .where(LoginFailureRow.name == name, LoginFailureRow.at >= since)
    ).scalar_one()
    return int(count)


def sign_in(session: Session, *, name: str, password: str, user_agent: str | None = None) -> SignIn:
    """Check ``password`` for ``name`` and open a session (audited either way)."""
    name = name.strip()[:120]
    now = _now()
    if recent_failures(session, name, now) >= MAX_FAILURES:
        audit.record(
            session,
            actor=name or "-",
            action="console.sign_in_locked",
            subject_type="user",
            subject_id=name or "-",
            reason=f"{MAX_FAILURES} failed attempts within {LOCKOUT_WINDOW}",
        )
        return SignIn(None, locked=True)
    principal = check_password(session, name=name, password=password)
    if principal is None:
        session.add(LoginFailureRow(name=name, at=now))
        audit.record(
            session,
            actor=name or "-",
            action="console.sign_in_failed",
            subject_type="user",
            subject_id=name or "-",
        )
        return SignIn(None)
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.name == name))
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
    sid = secrets.token_urlsafe(32)
    session.add(
        ConsoleSessionRow(
            id_hash=_sha256(sid),
            user_id=principal.user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    audit.record(
        session,
        actor=principal.name,
        action="console.sign_in",
        subject_type="user",
        subject_id=principal.name,
    )
    return SignIn(sid)


def lookup(session: Session, session_id: str | None) -> ConsoleSession | None:
    """The live session behind a cookie value, or None (unknown, expired, idle, disabled)."""
    if not session_id or len(session_id) > 100:
        return None
    found = session.execute(
        select(ConsoleSessionRow, UserRow)
        .join(UserRow, UserRow.id == ConsoleSessionRow.user_id)
        .where(ConsoleSessionRow.id_hash == _sha256(session_id))
    ).first()
    if found is None:
        return None
    row, user = found
    now = _now()
    if _aware(row.expires_at) <= now or now - _aware(row.last_seen_at) > IDLE_TIMEOUT:
        session.delete(row)
        return None
    if not user.active:
        session.delete(row)
        return None
    if now - _aware(row.last_seen_at) >= SEEN_RESOLUTION:
        row.last_seen_at = now
    role = Role(user.role)
    principal = Principal(
        user_id=user.id,
        name=user.name,
        role=role,
        organisation=user.organisation,
        permissions=permissions_of(role),
    )
    return ConsoleSession(principal, row.csrf_token, _aware(row.expires_at))


def sign_out(session: Session, session_id: str | None) -> str | None:
    """End a session; returns the user name it belonged to (audited), or None."""
    if not session_id:
        return None
    found = session.execute(
        select(ConsoleSessionRow, UserRow.name)
        .join(UserRow, UserRow.id == ConsoleSessionRow.user_id)
        .where(ConsoleSessionRow.id_hash == _sha256(session_id))
    ).first()
    if found is None:
        return None
    row, name = found
    session.delete(row)
    audit.record(
        session, actor=name, action="console.sign_out", subject_type="user", subject_id=name
    )
    return str(name)


def csrf_ok(expected: str, presented: str | None) -> bool:
    """Constant-time comparison of the session's token with the one a form carried."""
    return bool(presented) and hmac.compare_digest(expected, presented or "")
