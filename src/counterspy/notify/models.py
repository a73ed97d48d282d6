"""Operational-store tables of target notification.

Nothing here names an operator account or a firm: notices keep only the operations that made a
person eligible (as provenance), the phase they were exposed to and how to reach them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from counterspy.storage.db import Base

_TS = DateTime(timezone=True)


class TakedownRow(Base):
    """An operation whose takedown is complete: its targets may now be told."""

    __tablename__ = "notify_takedowns"

    operation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(_TS)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class AccountStateRow(Base):
    """Accounts that must never be notified (disabled by enforcement, or otherwise excluded)."""

    __tablename__ = "notify_account_states"

    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    disabled: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(_TS)


class ContactRow(Base):
    """A target's contact details, encrypted (Fernet / MultiFernet) with keys kept outside."""

    __tablename__ = "notify_contacts"

    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # Presence flags let approval pick channels without decrypting anything.
    has_email: Mapped[bool] = mapped_column(Boolean)
    has_phone: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(_TS)


class BatchRow(Base):
    __tablename__ = "notify_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # planned | approved | rejected
    planned_by: Mapped[str] = mapped_column(String(200))
    planned_at: Mapped[datetime] = mapped_column(_TS)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    notices: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(32))


class NoticeRow(Base):
    """One notice for one person: unique per account, so nobody is told twice."""

    __tablename__ = "notify_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # public id (feed, idempotency)
    batch_id: Mapped[int] = mapped_column(ForeignKey("notify_batches.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(200), unique=True)
    phase: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))  # shipped catalog the notice renders in
    country: Mapped[str] = mapped_column(String(2))
    helpline: Mapped[str] = mapped_column(String(64))
    operations: Mapped[str] = mapped_column(Text)  # provenance: JSON list of operation ids
    planned_at: Mapped[datetime] = mapped_column(_TS)


class OutboxRow(Base):
    """One delivery of one notice over one channel; the unit of exactly-once sending."""

    __tablename__ = "notify_outbox"
    __table_args__ = (Index("ix_notify_outbox_claim", "channel", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notify_notices.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    # pending | sending | sent | failed | skipped
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(_TS)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(_TS)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)
    confirmed_at: Mapped[datetime | None] = mapped_column(_TS)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TS)


class FeedRow(Base):
    """In-product notices, in delivery order: what the platform polls with a cursor."""

    __tablename__ = "notify_feed"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    notice_uid: Mapped[str] = mapped_column(String(36))
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))
    title: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TS)
    acknowledged_at: Mapped[datetime | None] = mapped_column(_TS)
