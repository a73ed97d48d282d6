"""Operational-store tables of the lawful-request channel."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counterspy.storage.db import Base

_TS = DateTime(timezone=True)


class AgencyRow(Base):
    __tablename__ = "legal_agencies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # slug; users' organisation
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(64))  # as supplied by the agency
    status: Mapped[str] = mapped_column(String(16))
    domain_verified: Mapped[bool] = mapped_column(Boolean)
    domain_verification: Mapped[str | None] = mapped_column(Text)  # how: allow-list or manual
    callback_number: Mapped[str | None] = mapped_column(String(64))
    callback_source: Mapped[str | None] = mapped_column(Text)  # where the number came from
    callback_by: Mapped[str | None] = mapped_column(String(200))
    callback_at: Mapped[datetime | None] = mapped_column(_TS)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_TS)


class LegalRequestRow(Base):
    __tablename__ = "legal_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("legal_agencies.id"), index=True)
    submitted_by: Mapped[str] = mapped_column(String(200))
    process: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2), index=True)
    categories: Mapped[str] = mapped_column(String(100))  # comma-separated DataCategory values
    legal_basis_ref: Mapped[str | None] = mapped_column(Text)
    emergency_risk: Mapped[str | None] = mapped_column(String(32))
    emergency_imminent: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_justification: Mapped[str | None] = mapped_column(Text)
    nondisclosure: Mapped[bool] = mapped_column(Boolean, default=False)
    nondisclosure_until: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(32), index=True)
    queue: Mapped[str] = mapped_column(String(16))
    findings: Mapped[str] = mapped_column(Text)  # JSON list of {code, outcome, detail}
    recommendation: Mapped[str] = mapped_column(String(32))
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verification_note: Mapped[str | None] = mapped_column(Text)
    decision_codes: Mapped[str] = mapped_column(String(500), default="")
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    approved_categories: Mapped[str] = mapped_column(String(100), default="")
    produced_categories: Mapped[str] = mapped_column(String(100), default="")
    nothing_produced_code: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(_TS, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    produced_at: Mapped[datetime | None] = mapped_column(_TS)
    closed_at: Mapped[datetime | None] = mapped_column(_TS)

    accounts: Mapped[list[RequestAccountRow]] = relationship(
        order_by="RequestAccountRow.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[DocumentRow]] = relationship(order_by="DocumentRow.id")
    tasks: Mapped[list[TaskRow]] = relationship(order_by="TaskRow.id")


class RequestAccountRow(Base):
    __tablename__ = "legal_request_accounts"
    __table_args__ = (UniqueConstraint("request_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("legal_requests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    produced: Mapped[bool] = mapped_column(Boolean, default=False)


class DocumentRow(Base):
    __tablename__ = "legal_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("legal_requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(_TS)


class TaskRow(Base):
    """Follow-up work a request creates: the emergency review, the user notice."""

    __tablename__ = "legal_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("legal_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None] = mapped_column(_TS)  # None: blocked (indefinite order)
    created_at: Mapped[datetime] = mapped_column(_TS)
    done_at: Mapped[datetime | None] = mapped_column(_TS)
    done_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(Text)


class SeniorReviewerRow(Base):
    """Users who may decide escalated requests (e.g. about notified surveillance targets)."""

    __tablename__ = "legal_senior_reviewers"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    designated_by: Mapped[str] = mapped_column(String(200))
    designated_at: Mapped[datetime] = mapped_column(_TS)
