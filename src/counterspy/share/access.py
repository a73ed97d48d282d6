"""The partner access trail: per UTC day, user and collection, how many TAXII requests and
object versions were served. One small upsert per partner request, in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from counterspy.share.taxii_models import TaxiiAccess
from counterspy.storage.db import Store


@dataclass(frozen=True)
class AccessRow:
    day: str
    user: str
    organisation: str
    collection_id: str
    requests: int
    objects: int
    first_at: datetime
    last_at: datetime


def record_access(
    store: Store,
    *,
    user: str,
    organisation: str,
    collection_id: str,
    objects: int,
    now: datetime | None = None,
) -> None:
    now = now or datetime.now(UTC)
    day = now.date().isoformat()
    key = (
        TaxiiAccess.day == day,
        TaxiiAccess.user_name == user,
        TaxiiAccess.collection_id == collection_id,
    )
    for _ in range(2):  # a concurrent first request of the day may insert the row first
        try:
            with store.session() as s:
                done = s.execute(
                    update(TaxiiAccess)
                    .where(*key)
                    .values(
                        requests=TaxiiAccess.requests + 1,
                        objects=TaxiiAccess.objects + objects,
                        last_at=now,
                    )
                )
                if not getattr(done, "rowcount", 0):
                    s.add(
                        TaxiiAccess(
                            day=day,
                            user_name=user,
                            collection_id=collection_id,
                            organisation=organisation,
                            requests=1,
                            objects=objects,
                            first_at=now,
                            last_at=now,
                        )
                    )
            return
        except IntegrityError:
            continue


def list_access(store: Store, *, days: int = 30, now: datetime | None = None) -> list[AccessRow]:
    since = ((now or datetime.now(UTC)) - timedelta(days=days - 1)).date().isoformat()
    with store.session() as s:
        rows = s.scalars(
            select(TaxiiAccess)
            .where(TaxiiAccess.day >= since)
            .order_by(TaxiiAccess.day.desc(), TaxiiAccess.organisation, TaxiiAccess.user_name)
        ).all()
        return [
            AccessRow(
                r.day,
                r.user_name,
                r.organisation,
                r.collection_id,
                r.requests,
                r.objects,
                r.first_at,
                r.last_at,
            )
            for r in rows
        ]
