"""Operational-store tables of the TAXII 2.1 server and of TAXII pulls.

Timestamps that TAXII clients compare (``date_added``, object versions) are kept as integer
microseconds since the epoch: exact, ordered the same on SQLite and PostgreSQL, and free of
time-zone handling. ``date_added`` is unique within a collection and strictly increases in
commit order (publishes to one collection serialise on its row), which is what makes
``added_after`` paging never skip or repeat an object.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from counterspy.storage.db import Base
from counterspy.storage.types import UTCDateTime


class TaxiiCollection(Base):
    """A TAXII collection: a named, TLP-capped set of STIX objects shared with partners."""

    __tablename__ = "taxii_collections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID (TAXII requires one)
    alias: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    max_tlp: Mapped[str] = mapped_column(String(16))
    can_read: Mapped[bool] = mapped_column(Boolean, default=True)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    # The highest date_added handed out; publishes lock this row before assigning more.
    last_added_us: Mapped[int] = mapped_column(BigInteger, default=0)


class TaxiiEntitlement(Base):
    """A partner organisation may read a collection."""

    __tablename__ = "taxii_entitlements"

    collection_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("taxii_collections.id", ondelete="CASCADE"), primary_key=True
    )
    organisation: Mapped[str] = mapped_column(String(200), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by: Mapped[str] = mapped_column(String(200))


class TaxiiObject(Base):
    """One version of one STIX object in one collection, as published (canonical JSON)."""

    __tablename__ = "taxii_objects"
    __table_args__ = (
        UniqueConstraint("collection_id", "date_added_us", name="uq_taxii_objects_added"),
        UniqueConstraint("collection_id", "stix_id", "version_us", name="uq_taxii_objects_version"),
        Index("ix_taxii_objects_collection_type", "collection_id", "stix_type"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("taxii_collections.id", ondelete="CASCADE")
    )
    stix_id: Mapped[str] = mapped_column(String(200))
    stix_type: Mapped[str] = mapped_column(String(100))
    spec_version: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(40))  # the timestamp as published
    version_us: Mapped[int] = mapped_column(BigInteger)
    date_added_us: Mapped[int] = mapped_column(BigInteger)
    tlp_rank: Mapped[int] = mapped_column(Integer)  # Tlp.rank, so the gate filters in SQL
    media_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)


class TaxiiPullCheckpoint(Base):
    """How far a pull from one remote collection got: resume with ``added_after``."""

    __tablename__ = "taxii_pull_checkpoints"

    api_root: Mapped[str] = mapped_column(String(500), primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    added_after: Mapped[str | None] = mapped_column(String(40), nullable=True)
    objects: Mapped[int] = mapped_column(Integer, default=0)
    pulls: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaxiiPulledObject(Base):
    """A STIX object version received by a pull, kept raw beside the indicators it gave."""

    __tablename__ = "taxii_pulled_objects"
    __table_args__ = (
        UniqueConstraint("source", "stix_id", "version", name="uq_taxii_pulled_objects_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    stix_id: Mapped[str] = mapped_column(String(200))
    stix_type: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    pulled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaxiiAccess(Base):
    """What a partner user read from a collection, per UTC day: a cheap access trail (one row
    updated per request) beside the audit log, which records state changes only."""

    __tablename__ = "taxii_access"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    user_name: Mapped[str] = mapped_column(String(120), primary_key=True)
    collection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200))
    requests: Mapped[int] = mapped_column(Integer)
    objects: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
