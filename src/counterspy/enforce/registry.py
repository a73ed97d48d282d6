"""The entity ban registry in the operational store: seed, list, ban, alias, lift. Audited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from counterspy.audit.log import record
from counterspy.enforce.entities import Alias, AliasKind, BanBasis, BannedEntity, load_seed
from counterspy.enforce.models import BannedEntityRow, EntityAliasRow
from counterspy.enforce.screening import Screener
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.model.firms import FirmId

_ID = re.compile(r"^[a-z0-9][a-z0-9_]{1,63}$")


def _check_text(**fields: str | None) -> None:
    """Refuse control characters (PostgreSQL cannot even store NUL in text)."""
    for name, value in fields.items():
        if value is not None and any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise CounterspyError(f"{name} contains control characters", hint="remove them")


def _now() -> datetime:
    return datetime.now(UTC)


def _to_entity(row: BannedEntityRow) -> BannedEntity:
    return BannedEntity(
        id=row.id,
        name=row.name,
        firm=FirmId(row.firm) if row.firm else None,
        country=row.country,
        basis=BanBasis(row.basis),
        source=row.source,
        aliases=tuple(Alias(a.name, AliasKind(a.kind), a.source) for a in row.aliases),
        related=row.related,
        notes=row.notes,
        active=row.active,
    )


def _snapshot(entity: BannedEntity) -> dict[str, object]:
    return {
        "id": entity.id,
        "name": entity.name,
        "firm": entity.firm.value if entity.firm else None,
        "basis": entity.basis.value,
        "active": entity.active,
        "aliases": [a.name for a in entity.aliases],
    }


def _insert(session: Session, entity: BannedEntity) -> None:
    now = _now()
    session.add(
        BannedEntityRow(
            id=entity.id,
            name=entity.name,
            firm=entity.firm.value if entity.firm else None,
            country=entity.country,
            basis=entity.basis.value,
            source=entity.source,
            related=entity.related,
            notes=entity.notes,
            active=entity.active,
            created_at=now,
            updated_at=now,
        )
    )
    for alias in entity.aliases:
        session.add(
            EntityAliasRow(
                entity_id=entity.id,
                name=alias.name,
                kind=alias.kind.value,
                source=alias.source,
                created_at=now,
            )
        )
    session.flush()


def seed_registry(session: Session, *, actor: str) -> list[str]:
    """Add every bundled seed entity not yet in the store; returns the ids added."""
    existing = set(session.execute(select(BannedEntityRow.id)).scalars())
    added = []
    seed = load_seed()
    for entity in seed.entities:
        if entity.id in existing:
            continue
        _insert(session, entity)
        record(
            session,
            actor=actor,
            action="entity.ban",
            subject_type="banned_entity",
            subject_id=entity.id,
            reason=f"seed registry v{seed.version}: {entity.source}",
            after=_snapshot(entity),
        )
        added.append(entity.id)
    return added


def ensure_seeded(session: Session, *, actor: str) -> None:
    """Seed an empty registry (first use of a workspace)."""
    if session.execute(select(func.count()).select_from(BannedEntityRow)).scalar_one() == 0:
        seed_registry(session, actor=actor)


def list_entities(session: Session, *, include_lifted: bool = True) -> list[BannedEntity]:
    q = select(BannedEntityRow).options(selectinload(BannedEntityRow.aliases))
    if not include_lifted:
        q = q.where(BannedEntityRow.active.is_(True))
    return [_to_entity(r) for r in session.execute(q.order_by(BannedEntityRow.id)).scalars()]


def _row(session: Session, entity_id: str) -> BannedEntityRow:
    row = session.get(BannedEntityRow, entity_id)
    if row is None:
        raise NotFoundError(
            f"no banned entity {entity_id!r}", hint="see `counterspy entities list` for ids"
        )
    return row


def get_entity(session: Session, entity_id: str) -> BannedEntity:
    return _to_entity(_row(session, entity_id))


def add_entity(
    session: Session,
    *,
    entity_id: str,
    name: str,
    aliases: Sequence[Alias] = (),
    firm: FirmId | None = None,
    country: str | None = None,
    basis: BanBasis = BanBasis.INVESTIGATION,
    source: str,
    reason: str,
    actor: str,
) -> BannedEntity:
    """Ban a new entity. ``reason`` and ``source`` are required: a ban is a decision."""
    _check_text(name=name, source=source, reason=reason, country=country)
    for alias in aliases:
        _check_text(alias=alias.name, alias_source=alias.source)
    if not _ID.match(entity_id):
        raise CounterspyError(
            f"invalid entity id {entity_id!r}",
            hint="use 2-64 lower-case letters, digits and underscores, e.g. acme_intel",
        )
    if not name.strip() or not source.strip() or not reason.strip():
        raise CounterspyError("a ban needs a name, a source and a reason")
    if session.get(BannedEntityRow, entity_id) is not None:
        raise ConflictError(f"entity {entity_id!r} already exists", hint="add an alias instead")
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise CounterspyError(f"invalid country {country!r}", hint="ISO 3166 alpha-2, e.g. IL")
    entity = BannedEntity(
        id=entity_id,
        name=name.strip(),
        firm=firm,
        country=country,
        basis=basis,
        source=source.strip(),
        aliases=tuple(aliases),
    )
    _insert(session, entity)
    record(
        session,
        actor=actor,
        action="entity.ban",
        subject_type="banned_entity",
        subject_id=entity_id,
        reason=reason,
        evidence_ref=source,
        after=_snapshot(entity),
    )
    return entity


def add_alias(
    session: Session,
    *,
    entity_id: str,
    name: str,
    kind: AliasKind,
    source: str,
    reason: str,
    actor: str,
) -> BannedEntity:
    _check_text(name=name, source=source, reason=reason)
    row = _row(session, entity_id)
    before = _snapshot(_to_entity(row))
    name = " ".join(name.split())
    if not name or not source.strip():
        raise CounterspyError("an alias needs a name and a source")
    if any(a.name == name for a in row.aliases):
        raise ConflictError(f"{entity_id!r} already has alias {name!r}")
    session.add(
        EntityAliasRow(
            entity_id=entity_id, name=name, kind=kind.value, source=source, created_at=_now()
        )
    )
    row.updated_at = _now()
    session.flush()
    session.refresh(row)
    after = _to_entity(row)
    record(
        session,
        actor=actor,
        action="entity.alias.add",
        subject_type="banned_entity",
        subject_id=entity_id,
        reason=reason,
        evidence_ref=source,
        before=before,
        after=_snapshot(after),
    )
    return after


def lift_ban(session: Session, *, entity_id: str, reason: str, actor: str) -> BannedEntity:
    """Lift a ban (kept in the registry, no longer screened)."""
    _check_text(reason=reason)
    if not reason.strip():
        raise CounterspyError("lifting a ban needs a reason")
    row = _row(session, entity_id)
    if not row.active:
        raise ConflictError(f"the ban on {entity_id!r} is already lifted")
    before = _snapshot(_to_entity(row))
    row.active = False
    row.updated_at = _now()
    session.flush()
    after = _to_entity(row)
    record(
        session,
        actor=actor,
        action="entity.ban.lift",
        subject_type="banned_entity",
        subject_id=entity_id,
        reason=reason,
        before=before,
        after=_snapshot(after),
    )
    return after


def screener_for(session: Session) -> Screener:
    """A screener over the store's active bans."""
    return Screener(list_entities(session, include_lifted=False))
