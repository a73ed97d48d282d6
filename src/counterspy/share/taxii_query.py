"""Reading a TAXII collection: the filters and paging of TAXII 2.1 Get Objects / Manifest /
Versions, over the stored object versions.

Paging is keyset paging on ``date_added`` (unique and increasing within a collection), so a
``next`` cursor is just the last ``date_added`` served: stable while objects are being added,
never repeating or skipping one. The TLP gate is applied again on the way out: an object above
the collection's ceiling, or marked RED, is never served, whatever got into the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session, aliased

from counterspy.errors import CounterspyError
from counterspy.share.stix_time import format_timestamp, parse_timestamp
from counterspy.share.taxii_models import TaxiiCollection, TaxiiObject
from counterspy.share.tlp import Tlp

DEFAULT_PAGE = 1_000
MAX_PAGE = 5_000
_VERSION_WORDS = frozenset({"first", "last", "all"})


class FilterError(CounterspyError):
    """A bad TAXII query parameter (HTTP 400)."""


@dataclass(frozen=True)
class VersionMatch:
    all: bool = False
    first: bool = False
    last: bool = True
    stamps: tuple[int, ...] = ()


@dataclass(frozen=True)
class ObjectQuery:
    added_after: int | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: VersionMatch = field(default_factory=VersionMatch)
    spec_versions: tuple[str, ...] = ()
    limit: int = DEFAULT_PAGE
    after_cursor: int | None = None


@dataclass(frozen=True)
class StoredVersion:
    stix_id: str
    version: str
    date_added: int
    media_type: str
    spec_version: str
    body: str


@dataclass(frozen=True)
class Page:
    items: tuple[StoredVersion, ...]
    more: bool

    @property
    def next(self) -> str | None:
        return encode_cursor(self.items[-1].date_added) if self.more and self.items else None

    @property
    def first_added(self) -> str | None:
        return format_timestamp(self.items[0].date_added) if self.items else None

    @property
    def last_added(self) -> str | None:
        return format_timestamp(self.items[-1].date_added) if self.items else None


def encode_cursor(date_added_us: int) -> str:
    return f"da{date_added_us:x}"


def decode_cursor(text: str) -> int:
    if not text.startswith("da") or len(text) > 20:
        raise FilterError(f"invalid 'next' value {text!r}", hint="pass back the 'next' served")
    try:
        return int(text[2:], 16)
    except ValueError:
        raise FilterError(
            f"invalid 'next' value {text!r}", hint="pass back the 'next' served"
        ) from None


def _csv(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_query(
    *,
    added_after: str | None = None,
    match_id: str | None = None,
    match_type: str | None = None,
    match_version: str | None = None,
    match_spec_version: str | None = None,
    limit: str | None = None,
    next_: str | None = None,
) -> ObjectQuery:
    """Check the raw query-string values; raises :class:`FilterError` naming the bad one."""
    after = None
    if added_after is not None:
        after = parse_timestamp(added_after)
        if after is None:
            raise FilterError(
                f"added_after {added_after!r} is not a timestamp",
                hint="use the STIX form 2021-12-16T00:00:00.000Z",
            )
    size = DEFAULT_PAGE
    if limit is not None:
        if not limit.strip().isdigit() or int(limit) < 1:
            raise FilterError(f"limit {limit!r} is not a positive integer")
        size = min(int(limit), MAX_PAGE)
    versions = VersionMatch()
    if match_version is not None:
        words = _csv(match_version)
        stamps = []
        for w in words:
            if w in _VERSION_WORDS:
                continue
            stamp = parse_timestamp(w)
            if stamp is None:
                raise FilterError(
                    f"match[version] {w!r} is not 'first', 'last', 'all' or a timestamp"
                )
            stamps.append(stamp)
        if not words:
            raise FilterError("match[version] is empty")
        versions = VersionMatch(
            all="all" in words, first="first" in words, last="last" in words, stamps=tuple(stamps)
        )
    return ObjectQuery(
        added_after=after,
        ids=_csv(match_id),
        types=_csv(match_type),
        versions=versions,
        spec_versions=_csv(match_spec_version),
        limit=size,
        after_cursor=decode_cursor(next_) if next_ is not None else None,
    )


def _gate(ceiling: Tlp) -> ColumnElement[bool]:
    top = min(ceiling.rank, Tlp.RED.rank - 1)  # RED never leaves, whatever the ceiling says
    return TaxiiObject.tlp_rank <= top


def _version_condition(
    v: VersionMatch, collection_id: str, ceiling: Tlp
) -> ColumnElement[bool] | None:
    if v.all:
        return None
    other = aliased(TaxiiObject)
    same = and_(
        other.collection_id == collection_id,
        other.stix_id == TaxiiObject.stix_id,
        other.tlp_rank <= min(ceiling.rank, Tlp.RED.rank - 1),
    )
    parts: list[ColumnElement[bool]] = []
    if v.last:
        parts.append(~exists().where(same, other.version_us > TaxiiObject.version_us))
    if v.first:
        parts.append(~exists().where(same, other.version_us < TaxiiObject.version_us))
    if v.stamps:
        parts.append(TaxiiObject.version_us.in_(v.stamps))
    return or_(*parts) if parts else false()


def query_versions(
    session: Session,
    collection: TaxiiCollection,
    q: ObjectQuery,
    *,
    object_id: str | None = None,
    all_versions: bool = False,
) -> Page:
    """One page of object versions matching ``q`` (``object_id`` narrows to one object;
    ``all_versions`` ignores match[version], for the Versions endpoint)."""
    ceiling = Tlp(collection.max_tlp)
    conds: list[ColumnElement[bool]] = [
        TaxiiObject.collection_id == collection.id,
        _gate(ceiling),
    ]
    lower = max(q.added_after or -1, q.after_cursor or -1)
    if lower >= 0:
        conds.append(TaxiiObject.date_added_us > lower)
    if object_id is not None:
        conds.append(TaxiiObject.stix_id == object_id)
    if q.ids:
        conds.append(TaxiiObject.stix_id.in_(q.ids))
    if q.types:
        conds.append(TaxiiObject.stix_type.in_(q.types))
    if q.spec_versions:
        conds.append(TaxiiObject.spec_version.in_(q.spec_versions))
    if not all_versions:
        vc = _version_condition(q.versions, collection.id, ceiling)
        if vc is not None:
            conds.append(vc)
    stmt = (
        select(
            TaxiiObject.stix_id,
            TaxiiObject.version,
            TaxiiObject.version_us,
            TaxiiObject.date_added_us,
            TaxiiObject.media_type,
            TaxiiObject.spec_version,
            TaxiiObject.body,
        )
        .where(*conds)
        .order_by(TaxiiObject.date_added_us)
        .limit(q.limit + 1)
    )
    rows = session.execute(stmt).all()
    items = tuple(
        StoredVersion(
            stix_id=sid,
            version=version or format_timestamp(vus),
            date_added=added,
            media_type=media,
            spec_version=spec,
            body=body,
        )
        for sid, version, vus, added, media, spec, body in rows[: q.limit]
    )
    return Page(items, more=len(rows) > q.limit)


def object_exists(session: Session, collection: TaxiiCollection, object_id: str) -> bool:
    """Whether any servable version of ``object_id`` is in the collection."""
    ceiling = Tlp(collection.max_tlp)
    found = session.scalar(
        select(TaxiiObject.seq)
        .where(
            TaxiiObject.collection_id == collection.id,
            TaxiiObject.stix_id == object_id,
            _gate(ceiling),
        )
        .limit(1)
    )
    return found is not None


def envelope_json(page: Page) -> str:
    """The TAXII envelope for ``page``, assembled from the stored JSON without re-parsing it."""
    head = '{"more":' + ("true" if page.more else "false")
    if page.next is not None:
        head += ',"next":"' + page.next + '"'
    if not page.items:
        return head + "}"
    return head + ',"objects":[' + ",".join(v.body for v in page.items) + "]}"


def manifest_records(items: Sequence[StoredVersion]) -> list[dict[str, str]]:
    return [
        {
            "id": v.stix_id,
            "date_added": format_timestamp(v.date_added),
            "version": v.version,
            "media_type": v.media_type,
        }
        for v in items
    ]
