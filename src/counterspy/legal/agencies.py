"""Registering agencies: an official e-mail domain and an independent call-back.

An agency may submit requests only once both hold. Its ``id`` is what agency users carry as
their ``organisation``, which is how the API scopes them to their own requests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.legal.model import AgencyStatus, AgencyView
from counterspy.legal.models import AgencyRow
from counterspy.legal.policy import LegalPolicy, email_domain, parse_country

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def view(row: AgencyRow) -> AgencyView:
    return AgencyView(
        id=row.id,
        name=row.name,
        country=row.country,
        email=row.email,
        contact_phone=row.contact_phone,
        status=AgencyStatus(row.status),
        domain_verified=row.domain_verified,
        domain_verification=row.domain_verification,
        callback_confirmed=row.callback_at is not None,
        callback_note=(
            f"{row.callback_number} (source: {row.callback_source}) by {row.callback_by}"
            if row.callback_at is not None
            else None
        ),
        created_at=_aware(row.created_at),
    )


def get_row(session: Session, agency_id: str) -> AgencyRow:
    row = session.get(AgencyRow, agency_id)
    if row is None:
        raise NotFoundError(
            f"no agency {agency_id!r}", hint="list agencies with `counterspy legal agencies`"
        )
    return row


def _refresh_status(row: AgencyRow) -> None:
    if row.status != AgencyStatus.SUSPENDED:
        ok = row.domain_verified and row.callback_at is not None
        row.status = AgencyStatus.VERIFIED if ok else AgencyStatus.PENDING


def register_agency(
    session: Session,
    *,
    agency_id: str,
    name: str,
    country: str,
    email: str,
    actor: str,
    policy: LegalPolicy,
    contact_phone: str | None = None,
) -> AgencyView:
    """Record an agency; its domain is verified at once when on the official list."""
    if not _ID_RE.match(agency_id):
        raise CounterspyError(
            f"invalid agency id {agency_id!r}",
            hint="use 2-64 lower-case letters, digits or '-', e.g. 'uk-nca'",
        )
    try:
        cc = parse_country(country)
        email_domain(email)
    except ValueError as exc:
        raise CounterspyError(str(exc)) from None
    if not name.strip():
        raise CounterspyError("an agency needs a name")
    if session.get(AgencyRow, agency_id) is not None:
        raise ConflictError(f"agency {agency_id!r} already exists")
    suffix = policy.official_suffix(cc, email)
    row = AgencyRow(
        id=agency_id,
        name=name.strip(),
        country=cc,
        email=email.strip(),
        contact_phone=contact_phone,
        status=AgencyStatus.PENDING,
        domain_verified=suffix is not None,
        domain_verification=f"official domain list: .{suffix} ({cc})" if suffix else None,
        created_by=actor,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="legal.agency.register",
        subject_type="legal_agency",
        subject_id=agency_id,
        reason="" if suffix else "DOMAIN_NOT_OFFICIAL",
        after={
            "name": row.name,
            "country": cc,
            "email": row.email,
            "domain_verified": bool(suffix),
        },
    )
    return view(row)


def verify_domain_manually(
    session: Session, *, agency_id: str, actor: str, note: str
) -> AgencyView:
    """A reviewer confirms a domain that is not on the official list (say how)."""
    if len(note.strip()) < 10:
        raise CounterspyError(
            "say how the domain was verified", hint="e.g. 'listed on the ministry's site, URL …'"
        )
    row = get_row(session, agency_id)
    before = {"domain_verified": row.domain_verified, "status": row.status}
    row.domain_verified = True
    row.domain_verification = f"manual by {actor}: {note.strip()}"
    _refresh_status(row)
    audit.record(
        session,
        actor=actor,
        action="legal.agency.verify_domain",
        subject_type="legal_agency",
        subject_id=agency_id,
        reason=note.strip(),
        before=before,
        after={"domain_verified": True, "status": row.status},
    )
    return view(row)


def record_callback(
    session: Session,
    *,
    agency_id: str,
    number: str,
    source: str,
    confirmed: bool,
    actor: str,
    note: str = "",
) -> AgencyView:
    """Record a call-back to a number found independently (``source`` says where).

    A call to the number the requester supplied proves nothing and is refused.
    """
    row = get_row(session, agency_id)
    if len(_digits(number)) < 5:
        raise CounterspyError(f"not a phone number: {number!r}")
    if not source.strip():
        raise CounterspyError(
            "say where the call-back number came from",
            hint="e.g. the agency's official website or a government directory",
        )
    if row.contact_phone and _digits(row.contact_phone) == _digits(number):
        raise ConflictError(
            "CALLBACK_NUMBER_NOT_INDEPENDENT: that is the number the requester supplied",
            hint="call a number from an official directory instead",
        )
    before = {"status": row.status, "callback_confirmed": row.callback_at is not None}
    if confirmed:
        row.callback_number = number
        row.callback_source = source.strip()
        row.callback_by = actor
        row.callback_at = _now()
    _refresh_status(row)
    audit.record(
        session,
        actor=actor,
        action="legal.agency.callback",
        subject_type="legal_agency",
        subject_id=agency_id,
        reason=note,
        before=before,
        after={
            "confirmed": confirmed,
            "number": number,
            "source": source.strip(),
            "status": row.status,
        },
    )
    return view(row)


def set_suspended(
    session: Session, *, agency_id: str, suspended: bool, actor: str, reason: str
) -> AgencyView:
    if not reason.strip():
        raise CounterspyError("give a reason", hint="it goes into the audit log")
    row = get_row(session, agency_id)
    before = row.status
    row.status = AgencyStatus.SUSPENDED if suspended else AgencyStatus.PENDING
    _refresh_status(row)
    audit.record(
        session,
        actor=actor,
        action="legal.agency.suspend" if suspended else "legal.agency.reinstate",
        subject_type="legal_agency",
        subject_id=agency_id,
        reason=reason,
        before={"status": before},
        after={"status": row.status},
    )
    return view(row)


def list_agencies(session: Session) -> list[AgencyView]:
    return [view(r) for r in session.execute(select(AgencyRow).order_by(AgencyRow.id)).scalars()]


def require_verified(session: Session, agency_id: str) -> AgencyRow:
    row = get_row(session, agency_id)
    if row.status != AgencyStatus.VERIFIED:
        missing = []
        if not row.domain_verified:
            missing.append("official domain")
        if row.callback_at is None:
            missing.append("call-back")
        what = ", ".join(missing) or "agency is suspended"
        raise ConflictError(
            f"AGENCY_NOT_VERIFIED: agency {agency_id!r} cannot submit yet ({what})",
            hint="the platform's legal team completes verification before requests are accepted",
        )
    return row
