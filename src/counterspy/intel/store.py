"""Reading and writing intelligence in the operational store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from counterspy.errors import InputError
from counterspy.infra.indicator_index import INDEXED_TYPES, IndicatorIndex, Provenance
from counterspy.intel.importer import ImportPlan
from counterspy.intel.models import BlocklistEntry, Indicator, IntelState, Technique
from counterspy.intel.values import BadValueError, normalise_value
from counterspy.storage.db import Store

BATCH = 5_000


def _now() -> datetime:
    return datetime.now(UTC)


def bump_version(session: Session, now: datetime | None = None) -> int:
    """Record that indicators or the blocklist changed (running verdict engines rebuild)."""
    now = now or _now()
    state = session.get(IntelState, 1)
    if state is None:
        state = IntelState(id=1, version=0, updated_at=now)
        session.add(state)
    state.version += 1
    state.updated_at = now
    session.flush()
    return state.version


def current_version(store: Store) -> int:
    with store.session() as s:
        v = s.scalar(select(IntelState.version).where(IntelState.id == 1))
    return int(v or 0)


@dataclass(frozen=True)
class ImportSummary:
    files: int
    formats: tuple[str, ...]
    indicators: int
    inserted: int
    updated: int
    techniques: int
    by_type: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]


def apply_import(store: Store, plan: ImportPlan, now: datetime | None = None) -> ImportSummary:
    """Write a checked plan in one transaction: all of it, or (on any error) none of it."""
    with store.session() as s:
        return apply_import_in_session(s, plan, now)


def apply_import_in_session(
    s: Session, plan: ImportPlan, now: datetime | None = None, *, look_up_values: bool = False
) -> ImportSummary:
    """:func:`apply_import` inside the caller's transaction (a TAXII pull commits each page's
    indicators together with its raw objects and checkpoint). ``look_up_values`` finds existing
    rows by the plan's values rather than reading the whole source: cheaper when a small plan
    (one page of a feed) meets a large source."""
    now = now or _now()
    inserted = updated = 0
    seen: dict[tuple[str, str, str], int] = {}
    for source in {p.source for p in plan.indicators}:
        wanted = sorted({p.norm.normalized for p in plan.indicators if p.source == source})
        chunks = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
        for chunk in chunks if look_up_values else [None]:
            q = select(Indicator.id, Indicator.type, Indicator.normalized, Indicator.source)
            # By value only (source checked below): SQLite would otherwise walk the index range
            # of the whole source for every chunk.
            q = q.where(
                Indicator.source == source if chunk is None else Indicator.normalized.in_(chunk)
            )
            for iid, t, n, src in s.execute(q):
                if src == source:
                    seen[(t, n, source)] = iid
    rows: list[dict[str, object]] = []
    touched: list[int] = []
    for p in plan.indicators:
        key = (p.norm.type, p.norm.normalized, p.source)
        if key in seen:
            if seen[key] >= 0:
                touched.append(seen[key])
            continue
        seen[key] = -1
        line = int(p.line_text.split("-", 1)[0])
        rows.append(
            {
                "type": p.norm.type,
                "value": p.raw.value,
                "normalized": p.norm.normalized,
                "registrable": p.norm.registrable,
                "source": p.source,
                "file": p.file,
                "line": line,
                "published": p.raw.published,
                "actor": p.raw.actor,
                "comment": p.raw.comment,
                "technique": p.raw.technique,
                "tlp": p.raw.tlp,
                "observable": p.raw.observable,
                "first_seen": now,
                "last_seen": now,
                "active": True,
            }
        )
    for i in range(0, len(rows), BATCH):
        s.execute(insert(Indicator), rows[i : i + BATCH])
    inserted = len(rows)
    for i in range(0, len(touched), BATCH):
        s.execute(
            update(Indicator)
            .where(Indicator.id.in_(touched[i : i + BATCH]))
            .values(last_seen=now, active=True)
        )
    updated = len(touched)
    for tech, source in plan.techniques:
        row = s.get(Technique, tech.code)
        if row is None:
            s.add(
                Technique(
                    code=tech.code,
                    tactic=tech.tactic,
                    technique=tech.technique,
                    procedure=tech.procedure,
                    source=source,
                )
            )
        else:
            row.tactic, row.technique, row.procedure = (
                tech.tactic,
                tech.technique,
                tech.procedure,
            )
    bump_version(s, now)
    by_type = Counter(p.norm.type for p in plan.indicators)
    return ImportSummary(
        len(plan.formats),
        plan.formats,
        len(plan.indicators),
        inserted,
        updated,
        len(plan.techniques),
        tuple(sorted(by_type.items())),
        plan.notes,
    )


@dataclass(frozen=True)
class BlockView:
    type: str
    value: str
    reason: str
    added_by: str
    added_at: datetime
    expires: datetime | None


def add_block(
    store: Store,
    value: str,
    *,
    reason: str,
    added_by: str,
    expires: datetime | None = None,
    now: datetime | None = None,
) -> BlockView:
    with store.session() as s:
        return block_in_session(
            s, value, reason=reason, added_by=added_by, expires=expires, now=now
        )


def block_in_session(
    session: Session,
    value: str,
    *,
    reason: str,
    added_by: str,
    expires: datetime | None = None,
    now: datetime | None = None,
) -> BlockView:
    """Add or refresh a blocklist entry inside the caller's transaction (enforcement actions
    block infrastructure in the same transaction that records the action)."""
    try:
        norm = normalise_value("auto", value)
    except BadValueError as exc:
        raise InputError(str(exc), hint="block a domain, URL, IP address or CIDR") from exc
    if norm.type not in INDEXED_TYPES:
        raise InputError(
            f"{value!r} is a {norm.type}; only domains, URLs, IPs and CIDRs can be blocked",
            hint="give a domain, URL, IP or CIDR",
        )
    now = now or _now()
    row = session.scalar(
        select(BlocklistEntry).where(
            BlocklistEntry.type == norm.type, BlocklistEntry.value == norm.normalized
        )
    )
    if row is None:
        row = BlocklistEntry(
            type=norm.type,
            value=norm.normalized,
            reason=reason,
            added_by=added_by,
            added_at=now,
            expires=expires,
        )
        session.add(row)
    else:
        row.reason, row.added_by, row.added_at, row.expires = reason, added_by, now, expires
    bump_version(session, now)
    return BlockView(row.type, row.value, row.reason, row.added_by, row.added_at, row.expires)


def remove_block(store: Store, value: str) -> int:
    """Remove every blocklist entry for ``value``; returns how many were removed."""
    with store.session() as s:
        return unblock_in_session(s, value)


def unblock_in_session(session: Session, value: str) -> int:
    """Remove every blocklist entry for ``value`` inside the caller's transaction."""
    try:
        norm = normalise_value("auto", value).normalized
    except BadValueError:
        norm = value.strip().lower()
    rows = session.scalars(select(BlocklistEntry).where(BlocklistEntry.value == norm)).all()
    for r in rows:
        session.delete(r)
    if rows:
        bump_version(session)
    return len(rows)


def list_blocks(store: Store) -> list[BlockView]:
    with store.session() as s:
        rows = s.scalars(select(BlocklistEntry).order_by(BlocklistEntry.added_at)).all()
        return [
            BlockView(r.type, r.value, r.reason, r.added_by, r.added_at, r.expires) for r in rows
        ]


@dataclass(frozen=True)
class IndicatorView:
    type: str
    normalized: str
    value: str
    source: str
    actor: str | None
    published: str | None
    file: str | None
    line: int | None
    comment: str | None


def list_indicators(
    store: Store,
    *,
    type_: str | None = None,
    source: str | None = None,
    actor: str | None = None,
    contains: str | None = None,
    limit: int = 100,
) -> list[IndicatorView]:
    q = select(Indicator).where(Indicator.active.is_(True))
    if type_:
        q = q.where(Indicator.type == type_)
    if source:
        q = q.where(Indicator.source == source)
    if actor:
        q = q.where(Indicator.actor == actor)
    if contains:
        q = q.where(Indicator.normalized.contains(contains.lower()))
    with store.session() as s:
        rows = s.scalars(q.order_by(Indicator.id).limit(limit)).all()
        return [
            IndicatorView(
                r.type,
                r.normalized,
                r.value,
                r.source,
                r.actor,
                r.published,
                r.file,
                r.line,
                r.comment,
            )
            for r in rows
        ]


@dataclass(frozen=True)
class IntelStats:
    indicators: int
    by_type: tuple[tuple[str, int], ...]
    by_source: tuple[tuple[str, int], ...]
    by_actor: tuple[tuple[str, int], ...]
    blocklist: int
    techniques: int
    version: int


def stats(store: Store) -> IntelStats:
    with store.session() as s:

        def grouped(
            col: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
        ) -> tuple[tuple[str, int], ...]:
            rows = s.execute(
                select(col, func.count())
                .where(Indicator.active.is_(True))
                .group_by(col)
                .order_by(func.count().desc())
            )
            return tuple((str(k) if k is not None else "-", int(n)) for k, n in rows)

        total = int(s.scalar(select(func.count()).select_from(Indicator)) or 0)
        return IntelStats(
            total,
            grouped(Indicator.type),
            grouped(Indicator.source),
            grouped(Indicator.actor),
            int(s.scalar(select(func.count()).select_from(BlocklistEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(Technique)) or 0),
            int(s.scalar(select(IntelState.version).where(IntelState.id == 1)) or 0),
        )


@dataclass(frozen=True)
class LoadedIndex:
    index: IndicatorIndex
    version: int
    next_expiry: datetime | None  # when the next blocklist entry lapses (rebuild then)


def load_index(store: Store, now: datetime | None = None) -> LoadedIndex:
    """Build the in-memory index from active indicators and unexpired blocklist entries."""
    now = now or _now()
    index = IndicatorIndex()
    next_expiry: datetime | None = None
    with store.session() as s:
        version = int(s.scalar(select(IntelState.version).where(IntelState.id == 1)) or 0)
        q = select(
            Indicator.type,
            Indicator.normalized,
            Indicator.source,
            Indicator.actor,
            Indicator.comment,
        ).where(Indicator.active.is_(True), Indicator.type.in_(INDEXED_TYPES))
        for t, v, src, actor, comment in s.execute(q).yield_per(50_000):
            index.add(t, v, Provenance("indicator", src, actor, comment))
        for b in s.scalars(select(BlocklistEntry)):
            exp = b.expires
            if exp is not None and exp.tzinfo is None:
                exp = exp.replace(tzinfo=UTC)
            if exp is not None and exp <= now:
                continue
            if exp is not None and (next_expiry is None or exp < next_expiry):
                next_expiry = exp
            index.add(
                b.type,
                b.value,
                Provenance("blocklist", f"blocklist ({b.added_by})", None, b.reason),
            )
    return LoadedIndex(index, version, next_expiry)
