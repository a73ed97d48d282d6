"""TAXII collections and who may read them: create, list, grant, revoke (each audited).

A collection has a TLP ceiling: nothing above it is published into it or served from it. RED
is never a ceiling (RED information does not leave the organisation). Partners see a
collection only when their organisation is entitled to it; staff roles see every collection.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.auth.models import UserRow
from counterspy.auth.roles import Role
from counterspy.auth.users import Principal
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.share.taxii_models import TaxiiCollection, TaxiiEntitlement, TaxiiObject
from counterspy.share.tlp import Tlp

# Roles that see every collection; every other role with taxii:read is scoped to its organisation.
UNSCOPED_ROLES = frozenset({Role.ADMIN, Role.INVESTIGATOR})
_ALIAS_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class CollectionInfo:
    id: str
    alias: str | None
    title: str
    description: str
    max_tlp: Tlp
    can_read: bool
    can_write: bool
    organisations: tuple[str, ...]
    objects: int
    created_at: datetime
    created_by: str


def _info(session: Session, row: TaxiiCollection) -> CollectionInfo:
    orgs = session.scalars(
        select(TaxiiEntitlement.organisation)
        .where(TaxiiEntitlement.collection_id == row.id)
        .order_by(TaxiiEntitlement.organisation)
    ).all()
    n = session.scalar(
        select(func.count()).select_from(TaxiiObject).where(TaxiiObject.collection_id == row.id)
    )
    return CollectionInfo(
        id=row.id,
        alias=row.alias,
        title=row.title,
        description=row.description,
        max_tlp=Tlp(row.max_tlp),
        can_read=row.can_read,
        can_write=row.can_write,
        organisations=tuple(orgs),
        objects=int(n or 0),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def create_collection(
    session: Session,
    *,
    title: str,
    max_tlp: Tlp,
    actor: str,
    description: str = "",
    alias: str | None = None,
) -> CollectionInfo:
    if max_tlp is Tlp.RED:
        raise CounterspyError(
            "a collection cannot be TLP:RED: RED information never leaves the organisation",
            hint="use clear, green, amber or amber+strict",
        )
    if not title.strip():
        raise CounterspyError("a collection needs a title")
    if alias is not None:
        if not _ALIAS_RE.match(alias):
            raise CounterspyError(
                f"invalid alias {alias!r}",
                hint="use lower-case letters, digits, '.', '_' or '-' (at most 100)",
            )
        if session.scalar(select(TaxiiCollection.id).where(TaxiiCollection.alias == alias)):
            raise ConflictError(f"a collection with alias {alias!r} already exists")
    row = TaxiiCollection(
        id=str(uuid.uuid4()),
        alias=alias,
        title=title.strip(),
        description=description,
        max_tlp=max_tlp.value,
        can_read=True,
        can_write=False,
        created_at=datetime.now(UTC),
        created_by=actor,
        last_added_us=0,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="taxii.collection.create",
        subject_type="taxii_collection",
        subject_id=row.id,
        after={"title": row.title, "alias": alias, "max_tlp": max_tlp.value},
    )
    return _info(session, row)


def get_collection(session: Session, key: str) -> TaxiiCollection:
    """The collection whose id or alias is ``key``."""
    row = session.scalar(
        select(TaxiiCollection).where(or_(TaxiiCollection.id == key, TaxiiCollection.alias == key))
    )
    if row is None:
        raise NotFoundError(
            f"no TAXII collection {key!r}",
            hint="list them with `counterspy share collections list`",
        )
    return row


def list_collections(session: Session) -> list[CollectionInfo]:
    rows = session.scalars(select(TaxiiCollection).order_by(TaxiiCollection.created_at)).all()
    return [_info(session, r) for r in rows]


def collection_info(session: Session, key: str) -> CollectionInfo:
    return _info(session, get_collection(session, key))


def _check_org(organisation: str) -> str:
    org = organisation.strip()
    if not org or len(org) > 200:
        raise CounterspyError(f"invalid organisation {organisation!r}", hint="1-200 characters")
    return org


def grant(session: Session, *, key: str, organisation: str, actor: str, reason: str = "") -> bool:
    """Entitle ``organisation`` to read the collection; False when it already was."""
    row = get_collection(session, key)
    org = _check_org(organisation)
    if session.get(TaxiiEntitlement, (row.id, org)) is not None:
        return False
    session.add(
        TaxiiEntitlement(
            collection_id=row.id, organisation=org, granted_at=datetime.now(UTC), granted_by=actor
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="taxii.entitlement.grant",
        subject_type="taxii_collection",
        subject_id=row.id,
        reason=reason,
        after={"organisation": org},
    )
    return True


def organisation_has_partners(session: Session, organisation: str) -> bool:
    """Whether any partner user acts for ``organisation`` (a grant to nobody is likely a typo)."""
    found = session.scalar(
        select(UserRow.id)
        .where(UserRow.organisation == organisation.strip(), UserRow.role == Role.PARTNER.value)
        .limit(1)
    )
    return found is not None


def revoke(session: Session, *, key: str, organisation: str, actor: str, reason: str = "") -> bool:
    """Withdraw an entitlement; False when there was none."""
    row = get_collection(session, key)
    org = _check_org(organisation)
    gone = session.execute(
        delete(TaxiiEntitlement).where(
            TaxiiEntitlement.collection_id == row.id, TaxiiEntitlement.organisation == org
        )
    )
    if not getattr(gone, "rowcount", 0):
        return False
    audit.record(
        session,
        actor=actor,
        action="taxii.entitlement.revoke",
        subject_type="taxii_collection",
        subject_id=row.id,
        reason=reason,
        before={"organisation": org},
    )
    return True


def is_scoped(principal: Principal) -> bool:
    return principal.role not in UNSCOPED_ROLES


def visible_collections(session: Session, principal: Principal) -> list[TaxiiCollection]:
    """Collections ``principal`` may know about, oldest first."""
    q = select(TaxiiCollection).order_by(TaxiiCollection.created_at, TaxiiCollection.id)
    if is_scoped(principal):
        if not principal.organisation:
            return []
        q = q.join(TaxiiEntitlement).where(TaxiiEntitlement.organisation == principal.organisation)
    return list(session.scalars(q).all())


def visible_collection(session: Session, principal: Principal, key: str) -> TaxiiCollection | None:
    """The collection ``key`` (id or alias) if ``principal`` may see it, else None — the same
    answer for "missing" and "not yours", so partners cannot probe for collections."""
    row = session.scalar(
        select(TaxiiCollection).where(or_(TaxiiCollection.id == key, TaxiiCollection.alias == key))
    )
    if row is None:
        return None
    if is_scoped(principal):
        if not principal.organisation:
            return None
        if session.get(TaxiiEntitlement, (row.id, principal.organisation)) is None:
            return None
    return row
