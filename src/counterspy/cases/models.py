"""Operational-store tables of cases (migration ``0008_cases``).

One account sits in at most one case (unique ``case_accounts.account_id``): re-opening after a
new detection run, splitting and merging move accounts between cases, never copy them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from counterspy.storage.db import Base

_TS = DateTime(timezone=True)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), index=True)  # open|in_review|decided|closed
    firm: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    assignee: Mapped[str | None] = mapped_column(String(200))
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(_TS)
    updated_at: Mapped[datetime] = mapped_column(_TS)
    # Canonical JSON: the operations behind the case (attribution, rationale, targets summary).
    evidence: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    # Set when a later detection run changed the evidence; cleared when someone acknowledges.
    evidence_changed_at: Mapped[datetime | None] = mapped_column(_TS)
    split_from: Mapped[int | None] = mapped_column(Integer)
    split_by: Mapped[str | None] = mapped_column(String(200))
    merged_into: Mapped[int | None] = mapped_column(Integer)


class CaseAccountRow(Base):
    __tablename__ = "case_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(200), unique=True)
    operation_id: Mapped[str] = mapped_column(String(200), index=True)
    score: Mapped[float] = mapped_column(Float)
    role: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(Text)  # canonical JSON: phases and signals
    # pending | approved | rejected | reinstated
    decision: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    action_id: Mapped[int | None] = mapped_column(Integer)  # the disable action it created


class CaseInfraRow(Base):
    __tablename__ = "case_infrastructure"
    __table_args__ = (UniqueConstraint("case_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # domain | ip
    value: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON: why it is linked, by whom
    decision: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected
    reason_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    action_id: Mapped[int | None] = mapped_column(Integer)


class AppealRow(Base):
    __tablename__ = "case_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(200))
    filed_at: Mapped[datetime] = mapped_column(_TS)
    original_approver: Mapped[str] = mapped_column(String(200))
    assignee: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # open | upheld | reinstated
    reason_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(_TS)
    action_id: Mapped[int | None] = mapped_column(Integer)  # the reinstate action
