"""Publishing STIX 2.1 objects into a TAXII collection: all of them, or none.

Each object version gets a server-assigned ``date_added`` that is unique in the collection and
larger than every earlier one: the collection row is locked (an UPDATE, which takes SQLite's
write lock and a PostgreSQL row lock) before the newest value is read, so concurrent publishes
to one collection serialise and ``added_after`` paging can never miss an object that commits
late.

The TLP gate: an object marked above the collection's ceiling is refused, and with it the whole
publish (the error names the offending ids), unless ``drop_above`` is set, in which case those
objects are left out and counted. Unmarked objects count as TLP:RED and so never enter.
Re-publishing an identical object version changes nothing; a new ``modified`` adds a version.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import InputError
from counterspy.share.collections import get_collection
from counterspy.share.stix_time import now_us, parse_timestamp
from counterspy.share.taxii_models import TaxiiCollection, TaxiiObject
from counterspy.share.tlp import Tlp, tlp_of

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
_ID_RE = re.compile(r"^([a-z0-9][a-z0-9-]{0,98})--[0-9a-fA-F-]{36}$")
# Definitions, not intelligence: unmarked ones are shareable at any level.
_DEFINITION_TYPES = frozenset({"marking-definition", "extension-definition", "language-content"})
_CHUNK = 500
_MAX_LISTED = 10


@dataclass(frozen=True)
class PreparedObject:
    stix_id: str
    stix_type: str
    spec_version: str
    version: str | None  # modified, else created, else None (the server uses date_added)
    version_us: int | None
    tlp: Tlp
    body: str  # canonical JSON


@dataclass(frozen=True)
class PublishSummary:
    collection_id: str
    received: int
    added: int
    unchanged: int
    dropped_above_tlp: int
    by_tlp: tuple[tuple[str, int], ...]
    first_added: int | None
    last_added: int | None


def canonical_json(obj: Mapping[str, object]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def object_tlp(obj: Mapping[str, object]) -> Tlp:
    """The TLP an object leaves with; unmarked definitions are CLEAR, anything else unmarked RED."""
    default = Tlp.CLEAR if obj.get("type") in _DEFINITION_TYPES else Tlp.RED
    return tlp_of(obj, default=default)


def prepare_object(obj: object, where: str) -> PreparedObject:
    if not isinstance(obj, dict):
        raise InputError("a STIX object must be a JSON object", file=where)
    sid, stype = obj.get("id"), obj.get("type")
    if not isinstance(sid, str) or not isinstance(stype, str):
        raise InputError("STIX object without a string 'id' and 'type'", file=where)
    m = _ID_RE.match(sid)
    if m is None or m.group(1) != stype:
        raise InputError(f"{sid!r} is not a STIX identifier of type {stype!r}", file=where)
    spec = obj.get("spec_version", "2.1")
    if not isinstance(spec, str) or len(spec) > 8:
        raise InputError(f"{sid}: bad spec_version {spec!r}", file=where)
    version: str | None = None
    version_us: int | None = None
    for key in ("modified", "created"):
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or (stamp := parse_timestamp(value)) is None:
            raise InputError(f"{sid}: {key} {value!r} is not a STIX timestamp", file=where)
        version, version_us = value, stamp
        break
    return PreparedObject(
        sid, stype, spec, version, version_us, object_tlp(obj), canonical_json(obj)
    )


def read_bundle(path: Path) -> list[object]:
    """The objects of a STIX bundle file (or of a JSON list of objects)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(path)) from exc
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        objects = doc.get("objects", [])
    else:
        objects = doc
    if not isinstance(objects, list):
        raise InputError(
            "expected a STIX bundle or a JSON list of STIX objects",
            file=str(path),
            hint="export one with `counterspy share export`",
        )
    return objects


def _listed(ids: Sequence[str]) -> str:
    more = f" and {len(ids) - _MAX_LISTED} more" if len(ids) > _MAX_LISTED else ""
    return ", ".join(ids[:_MAX_LISTED]) + more


def _lock_collection(session: Session, row: TaxiiCollection) -> int:
    """Serialise publishes to this collection; returns the newest date_added handed out."""
    session.execute(
        update(TaxiiCollection)
        .where(TaxiiCollection.id == row.id)
        .values(last_added_us=TaxiiCollection.last_added_us)
    )
    last = session.scalar(select(TaxiiCollection.last_added_us).where(TaxiiCollection.id == row.id))
    return int(last or 0)


def _existing(
    session: Session, collection_id: str, ids: Sequence[str]
) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        for sid, vus, body in session.execute(
            select(TaxiiObject.stix_id, TaxiiObject.version_us, TaxiiObject.body).where(
                TaxiiObject.collection_id == collection_id, TaxiiObject.stix_id.in_(chunk)
            )
        ):
            found[(sid, vus)] = body
    return found


def publish(
    session: Session,
    *,
    key: str,
    objects: Sequence[object],
    actor: str,
    drop_above: bool = False,
    source: str = "",
) -> PublishSummary:
    """Add ``objects`` to collection ``key`` inside the caller's transaction (all or none)."""
    row = get_collection(session, key)
    ceiling = Tlp(row.max_tlp)
    where = source or "publish"
    prepared = [prepare_object(o, f"{where} object {n}") for n, o in enumerate(objects, 1)]
    above = [p for p in prepared if not ceiling.allows(p.tlp)]
    if above and not drop_above:
        raise InputError(
            f"{len(above)} object(s) are marked above the collection's {ceiling.label}: "
            + _listed([f"{p.stix_id} ({p.tlp.label})" for p in above]),
            file=source or None,
            hint="nothing was published; mark them lower, publish them to a collection with a "
            "higher ceiling, or pass --drop-above to leave them out",
        )
    keep = [p for p in prepared if ceiling.allows(p.tlp)]
    last = _lock_collection(session, row)
    existing = _existing(session, row.id, sorted({p.stix_id for p in keep}))
    by_content = {(sid, body) for (sid, _), body in existing.items()}
    changed: list[str] = []
    seen: dict[tuple[str, int | None], str] = {}
    fresh: list[PreparedObject] = []
    unchanged = 0
    for p in keep:
        if p.version_us is None:  # no timestamps: identical content is the same version
            if (p.stix_id, p.body) in by_content or seen.get((p.stix_id, None)) == p.body:
                unchanged += 1
                continue
        else:
            before = existing.get((p.stix_id, p.version_us)) or seen.get((p.stix_id, p.version_us))
            if before is not None:
                if before != p.body:
                    changed.append(p.stix_id)
                else:
                    unchanged += 1
                continue
        seen[(p.stix_id, p.version_us)] = p.body
        fresh.append(p)
    if changed:
        raise InputError(
            f"{len(changed)} object(s) differ from the stored version with the same 'modified': "
            + _listed(changed),
            file=source or None,
            hint="nothing was published; a changed STIX object needs a new 'modified' timestamp",
        )
    base = max(now_us(), last + 1)
    rows = [
        {
            "collection_id": row.id,
            "stix_id": p.stix_id,
            "stix_type": p.stix_type,
            "spec_version": p.spec_version,
            "version": p.version if p.version is not None else "",
            "version_us": p.version_us if p.version_us is not None else base + i,
            "date_added_us": base + i,
            "tlp_rank": p.tlp.rank,
            "media_type": STIX_MEDIA_TYPE,
            "body": p.body,
        }
        for i, p in enumerate(fresh)
    ]
    for i in range(0, len(rows), 5_000):
        session.execute(insert(TaxiiObject), rows[i : i + 5_000])
    if rows:
        session.execute(
            update(TaxiiCollection)
            .where(TaxiiCollection.id == row.id)
            .values(last_added_us=base + len(rows) - 1)
        )
    dropped = len(prepared) - len(keep)
    by_tlp = tuple(sorted(Counter(p.tlp.value for p in keep).items()))
    audit.record(
        session,
        actor=actor,
        action="taxii.publish",
        subject_type="taxii_collection",
        subject_id=row.id,
        evidence_ref=source or None,
        after={
            "received": len(prepared),
            "added": len(rows),
            "unchanged": unchanged,
            "dropped_above_tlp": dropped,
        },
    )
    return PublishSummary(
        collection_id=row.id,
        received=len(prepared),
        added=len(rows),
        unchanged=unchanged,
        dropped_above_tlp=dropped,
        by_tlp=by_tlp,
        first_added=base if rows else None,
        last_added=base + len(rows) - 1 if rows else None,
    )
