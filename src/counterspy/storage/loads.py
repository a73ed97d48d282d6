"""The ``loads`` and ``load_files`` tables: a queryable mirror of every committed load.

The workspace folder (``loads/<load_id>/load.json``) is the source of truth; the store mirrors
it so that services, audit and the web UI can list what data is loaded, from where, and check
whether a file was already loaded, without reading the workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counterspy.storage.db import Base, Store
from counterspy.storage.types import UTCDateTime


class LoadRow(Base):
    __tablename__ = "loads"

    load_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace: Mapped[str] = mapped_column(
        String(1024), index=True, doc="Absolute path of the workspace folder holding the load."
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    counterspy_version: Mapped[str] = mapped_column(String(32))
    sources: Mapped[str] = mapped_column(Text, doc="Paths given to ingest, one per line.")
    rows: Mapped[int] = mapped_column(BigInteger)
    files: Mapped[list[LoadFileRow]] = relationship(
        back_populates="load", cascade="all, delete-orphan", order_by="LoadFileRow.position"
    )


class LoadFileRow(Base):
    __tablename__ = "load_files"

    load_id: Mapped[str] = mapped_column(
        ForeignKey("loads.load_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    part: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger)
    load: Mapped[LoadRow] = relationship(back_populates="files")


@dataclass(frozen=True)
class LoadFileEntry:
    table: str
    part: str
    source: str
    format: str
    sha256: str
    bytes: int
    rows: int


@dataclass(frozen=True)
class LoadEntry:
    """One committed load as the store keeps it."""

    load_id: str
    workspace: str  # absolute path of the workspace folder: one store may serve several
    started_at: datetime
    committed_at: datetime
    counterspy_version: str
    sources: tuple[str, ...]
    files: tuple[LoadFileEntry, ...]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


def _to_row(e: LoadEntry) -> LoadRow:
    return LoadRow(
        load_id=e.load_id,
        workspace=e.workspace,
        started_at=e.started_at,
        committed_at=e.committed_at,
        counterspy_version=e.counterspy_version,
        sources="\n".join(e.sources),
        rows=e.rows,
        files=[
            LoadFileRow(
                position=i,
                table_name=f.table,
                part=f.part,
                source=f.source,
                format=f.format,
                sha256=f.sha256,
                bytes=f.bytes,
                rows=f.rows,
            )
            for i, f in enumerate(e.files)
        ],
    )


def _from_row(r: LoadRow) -> LoadEntry:
    return LoadEntry(
        load_id=r.load_id,
        workspace=r.workspace,
        started_at=r.started_at,
        committed_at=r.committed_at,
        counterspy_version=r.counterspy_version,
        sources=tuple(s for s in r.sources.split("\n") if s),
        files=tuple(
            LoadFileEntry(f.table_name, f.part, f.source, f.format, f.sha256, f.bytes, f.rows)
            for f in r.files
        ),
    )


def record_loads(store: Store, entries: Iterable[LoadEntry]) -> int:
    """Add the loads the store does not know yet; returns how many were added."""
    entries = list(entries)
    with store.session() as s:
        known = set(s.scalars(select(LoadRow.load_id)))
        new = [e for e in entries if e.load_id not in known]
        s.add_all(_to_row(e) for e in new)
    return len(new)


def forget_loads_except(store: Store, workspace: str, keep: Iterable[str]) -> int:
    """Delete ``workspace``'s loads whose id is not in ``keep`` (their folders are gone).

    Loads of other workspaces sharing the store are left alone. Returns how many were deleted.
    """
    keep = set(keep)
    with store.session() as s:
        rows = s.scalars(select(LoadRow).where(LoadRow.workspace == workspace))
        gone = [r for r in rows if r.load_id not in keep]
        for r in gone:
            s.delete(r)
    return len(gone)


def list_loads(store: Store, workspace: str | None = None) -> list[LoadEntry]:
    """The loads the store knows (of one workspace, if given), oldest first."""
    q = select(LoadRow).order_by(LoadRow.load_id)
    if workspace is not None:
        q = q.where(LoadRow.workspace == workspace)
    with store.session() as s:
        return [_from_row(r) for r in s.scalars(q)]


def loads_with_file(store: Store, sha256: str) -> list[str]:
    """Ids of loads that include a file with this sha256."""
    with store.session() as s:
        q = select(LoadFileRow.load_id).where(LoadFileRow.sha256 == sha256).distinct()
        return sorted(s.scalars(q))
