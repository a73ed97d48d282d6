"""Operational-store tables of the intelligence feature: indicators, blocklist, techniques."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from counterspy.storage.db import Base


class Indicator(Base):
    """One indicator of compromise with its provenance (who published it, where, when)."""

    __tablename__ = "intel_indicators"
    __table_args__ = (UniqueConstraint("type", "normalized", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    value: Mapped[str] = mapped_column(Text)  # as published (may be defanged)
    normalized: Mapped[str] = mapped_column(String(2048), index=True)
    registrable: Mapped[str | None] = mapped_column(String(253), index=True, nullable=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    file: Mapped[str | None] = mapped_column(Text, nullable=True)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    published: Mapped[str | None] = mapped_column(String(32), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(200), index=True, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    technique: Mapped[str | None] = mapped_column(String(32), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # TLP level from the source's marking (None: the configured default applies on export)
    tlp: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # STIX object path as published where the type is ambiguous (file:path, app:id, ...)
    observable: Mapped[str | None] = mapped_column(String(64), nullable=True)


class BlocklistEntry(Base):
    """A value the platform blocks on its own authority (analyst decision), with a reason."""

    __tablename__ = "intel_blocklist"
    __table_args__ = (UniqueConstraint("type", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048), index=True)
    reason: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Technique(Base):
    """A kill-chain procedure (Meta's Online Operations Kill Chain): a vocabulary for labels."""

    __tablename__ = "intel_techniques"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. "0.6.1"
    tactic: Mapped[str] = mapped_column(Text)
    technique: Mapped[str] = mapped_column(Text)
    procedure: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))


class IntelState(Base):
    """A single row whose version changes whenever indicators or the blocklist change, so
    verdict engines in running servers know to rebuild."""

    __tablename__ = "intel_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
