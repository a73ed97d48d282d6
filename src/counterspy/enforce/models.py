"""Operational-store tables for enforcement: banned entities, the action outbox, letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counterspy.storage.db import Base

_TS = DateTime(timezone=True)


class BannedEntityRow(Base):
    __tablename__ = "banned_entities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable slug; FirmId for the 7
    name: Mapped[str | None] = mapped_column(String(300))  # None: banned but unnamed
    firm: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    basis: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    related: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(_TS)
    updated_at: Mapped[datetime] = mapped_column(_TS)

    aliases: Mapped[list[EntityAliasRow]] = relationship(
        back_populates="entity", order_by="EntityAliasRow.id"
    )


class EntityAliasRow(Base):
    __tablename__ = "entity_aliases"
    __table_args__ = (UniqueConstraint("entity_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("banned_entities.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TS)

    entity: Mapped[BannedEntityRow] = relationship(back_populates="aliases")


class EnforcementActionRow(Base):
    """One enforcement action and its delivery state: the transactional outbox.

    Written in the same transaction as the decision that approved it; a worker claims rows,
    delivers them with the stored idempotency key and records the outcome.
    """

    __tablename__ = "enforcement_actions"
    __table_args__ = (
        UniqueConstraint("batch", "kind", "target"),
        Index("ix_enforcement_actions_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(500), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # account | domain | url | ip
    adapter: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence_ref: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(_TS)
    status: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(_TS)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(_TS)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)
    finished_at: Mapped[datetime | None] = mapped_column(_TS)
    response_code: Mapped[int | None] = mapped_column(Integer)
    platform_ref: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)


class BlockedInfrastructureRow(Base):
    """Stand-in blocklist written by :mod:`counterspy.enforce.blocklist_seam` until the
    infrastructure blocklist is connected."""

    __tablename__ = "enforce_blocklist"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_TS)


class LetterRow(Base):
    __tablename__ = "cease_desist_letters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("banned_entities.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # drafted | sent | acknowledged
    addressee: Mapped[str] = mapped_column(String(300))
    annex: Mapped[str] = mapped_column(Text)  # canonical JSON of the evidence annex
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    drafted_by: Mapped[str] = mapped_column(String(200))
    drafted_at: Mapped[datetime] = mapped_column(_TS)
    sent_at: Mapped[datetime | None] = mapped_column(_TS)
    sent_via: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(_TS)
