"""``counterspy notify send``: drain the outbox over every enabled channel.

Per channel, ``concurrency`` workers each claim a few rows at a time (a lease), share one rate
limiter, and record each outcome as it happens. Re-running after a crash simply continues:
claimed-but-unsent rows come back when their lease ends, sent rows are never claimed again.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from counterspy.notify.channels import (
    CHANNELS,
    AmbiguousDeliveryError,
    Channel,
    DeliveryError,
    FenceLostError,
    RejectedAfterDataError,
    SkipError,
)
from counterspy.notify.config import NotifyConfig, contact_keys
from counterspy.notify.contacts import Contact, ContactCipher, contacts_for
from counterspy.notify.inputs import StoreAccountStates
from counterspy.notify.models import OutboxRow
from counterspy.notify.outbox import (
    Delivery,
    mark_confirmed,
    mark_failed_attempt,
    mark_sent,
)
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.storage.db import Store

CLAIM_SIZE = 16


class RateLimiter:
    """Spaces acquisitions ``1/per_second`` apart across all workers of one channel."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._next = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)


@dataclass
class ChannelStats:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    fenced: int = 0
    unconfirmed: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class SendSummary:
    owner: str
    seconds: float
    by_channel: dict[str, ChannelStats]

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self.by_channel.values())


def new_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def _worker(
    store: Store,
    config: NotifyConfig,
    channel: Channel,
    cipher: ContactCipher | None,
    owner: str,
    limiter: RateLimiter,
    stats: ChannelStats,
    budget: list[int],
    progress: Progress,
) -> None:
    from counterspy.notify.outbox import claim

    await channel.open()
    try:
        while budget[0] > 0:
            batch = claim(
                store,
                channel.name,
                owner,
                limit=min(CLAIM_SIZE, budget[0]),
                lease_seconds=config.lease_seconds,
            )
            if not batch:
                return
            budget[0] -= len(batch)
            batch = _drop_disabled(store, config, batch, owner, stats)
            contacts: dict[str, Contact] = {}
            if channel.needs_contact and cipher is not None:
                with store.session() as s:
                    contacts = contacts_for(s, [d.account_id for d in batch], cipher)
            confirmed: list[int] = []
            for d in batch:
                await limiter.acquire()
                if await _deliver_one(
                    store, config, channel, d, contacts.get(d.account_id), owner, stats
                ):
                    confirmed.append(d.id)
                progress.advance(1)
            mark_confirmed(store, confirmed)
    finally:
        await channel.close()


def _drop_disabled(
    store: Store, config: NotifyConfig, batch: list[Delivery], owner: str, stats: ChannelStats
) -> list[Delivery]:
    """Accounts disabled since approval get nothing (a disabled account may now be in the
    attackers' hands); their rows fail with the reason."""
    with store.session() as s:
        disabled = StoreAccountStates().disabled(s, [d.account_id for d in batch])
    for d in batch:
        if d.account_id in disabled:
            mark_failed_attempt(
                store, d, owner, "account disabled since approval", permanent=True,
                max_attempts=config.max_attempts, base=0, cap=0,
            )  # fmt: skip
            stats.skipped += 1
    return [d for d in batch if d.account_id not in disabled]


async def _deliver_one(
    store: Store,
    config: NotifyConfig,
    channel: Channel,
    d: Delivery,
    contact: Contact | None,
    owner: str,
    stats: ChannelStats,
) -> bool:
    """Deliver one row and record its outcome; True when the receiver acknowledged it."""

    def commit(also: Callable[[Connection], None] | None) -> bool:
        return mark_sent(store, d.id, owner, also)

    def failed(exc: DeliveryError | SkipError, *, from_status: str = "sending") -> None:
        permanent = isinstance(exc, SkipError) or exc.permanent
        status = mark_failed_attempt(
            store, d, owner, str(exc), permanent=permanent, max_attempts=config.max_attempts,
            base=config.backoff_seconds, cap=config.backoff_max_seconds, from_status=from_status,
        )  # fmt: skip
        stats.errors[str(exc)[:80]] += 1
        if isinstance(exc, SkipError):
            stats.skipped += 1
        elif status == "failed":
            stats.failed += 1
        else:
            stats.retry += 1

    try:
        await channel.deliver(d, contact, commit)
    except FenceLostError:
        stats.fenced += 1
        return False
    except AmbiguousDeliveryError as exc:
        stats.unconfirmed += 1
        stats.errors[str(exc)[:80]] += 1
        return False
    except RejectedAfterDataError as exc:
        failed(exc, from_status="sent")
        return False
    except (DeliveryError, SkipError) as exc:
        failed(exc)
        return False
    stats.sent += 1
    return True


async def send_all(
    store: Store,
    config: NotifyConfig,
    *,
    channels: tuple[str, ...] | None = None,
    limit: int | None = None,
    progress: Progress = NULL_PROGRESS,
    owner: str | None = None,
) -> SendSummary:
    """Deliver every claimable row of the given channels (default: the configured ones)."""
    owner = owner or new_owner()
    names = channels or config.channels
    unknown = [c for c in names if c not in CHANNELS]
    if unknown:
        from counterspy.errors import CounterspyError

        raise CounterspyError(f"unknown channel(s) {unknown}", hint="known: " + ", ".join(CHANNELS))
    cipher = None
    if any(CHANNELS[n].needs_contact for n in names):
        with store.session() as s:
            has_rows = s.execute(
                select(OutboxRow.id).where(OutboxRow.channel.in_(names)).limit(1)
            ).first()
        if has_rows is not None:
            cipher = ContactCipher(contact_keys(config))
    with store.session() as s:
        total = len(
            s.execute(
                select(OutboxRow.id).where(
                    OutboxRow.channel.in_(names), OutboxRow.status.in_(("pending", "sending"))
                )
            ).all()
        )
    progress.begin("sending notices", total=min(total, limit) if limit else total)
    budget = [limit if limit is not None else total + 1_000_000]
    started = time.monotonic()
    stats = {n: ChannelStats() for n in names}
    tasks = []
    for n in names:
        lim = config.limits_for(n)
        limiter = RateLimiter(lim.per_second)
        for _ in range(lim.concurrency):
            tasks.append(
                _worker(
                    store,
                    config,
                    CHANNELS[n](config),
                    cipher,
                    owner,
                    limiter,
                    stats[n],
                    budget,
                    progress,
                )
            )
    await asyncio.gather(*tasks)
    return SendSummary(owner=owner, seconds=time.monotonic() - started, by_channel=stats)
