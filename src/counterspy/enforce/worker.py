"""The outbox worker: claim, deliver, record; with rate limiting and a canary stage."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from counterspy.cases.sync import after_delivery
from counterspy.enforce.actions import ActionKind, ActionResult, ActionStatus, Outcome
from counterspy.enforce.adapters import PlatformAdapter
from counterspy.enforce.blocklist_seam import block_infrastructure
from counterspy.enforce.outbox import OutboxItem, claim, finish, mark_sent
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.storage.db import Store


@dataclass(frozen=True)
class Rollout:
    """How fast to go. ``canary``: deliver this many first and stop if any of them fails."""

    max_per_minute: float | None = None
    canary: int = 0
    canary_wait_s: float = 0.0
    batch_size: int = 10
    lease: timedelta = timedelta(seconds=60)
    limit: int | None = None  # stop after this many deliveries


@dataclass
class RunSummary:
    acked: int = 0
    failed: int = 0
    retry_later: int = 0
    halted: str | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return self.acked + self.failed + self.retry_later


def default_worker_id() -> str:
    return f"worker:{socket.gethostname()}:{os.getpid()}"


def _apply_local(store: Store, item: OutboxItem, actor: str) -> ActionStatus:
    # Local actions take effect and are recorded in ONE transaction: nothing to repeat or lose.
    with store.session() as s:
        added = block_infrastructure(s, item.target, item.target_kind.value, item.reason, actor)
        result = ActionResult(
            Outcome.ACKED, 1, None, None, "blocked" if added else "already blocked"
        )
        return finish(s, item, result, actor=actor)


class Pacer:
    """At most ``per_minute`` deliveries a minute, evenly spaced."""

    def __init__(
        self,
        per_minute: float | None,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = 60.0 / per_minute if per_minute else 0.0
        self._sleep = sleep
        self._clock = clock
        self._next = clock()

    def wait(self) -> None:
        if not self._interval:
            return
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
        self._next = max(now, self._next) + self._interval


def run_outbox(
    store: Store,
    adapter: PlatformAdapter | None,
    *,
    rollout: Rollout = Rollout(),
    worker: str | None = None,
    batch: str | None = None,
    progress: Progress = NULL_PROGRESS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> RunSummary:
    """Deliver due actions until none are left (or the canary fails, or ``limit`` is hit)."""
    worker = worker or default_worker_id()
    summary = RunSummary()
    pacer = Pacer(rollout.max_per_minute, sleep, clock)
    progress.begin("delivering enforcement actions", None)
    canary_left = rollout.canary
    while True:
        if rollout.limit is not None and summary.delivered >= rollout.limit:
            break
        size = rollout.batch_size
        if canary_left > 0:
            size = min(size, canary_left)
        if rollout.limit is not None:
            size = min(size, rollout.limit - summary.delivered)
        with store.session() as s:
            items = claim(
                s,
                worker=worker,
                limit=size,
                lease=rollout.lease,
                batch=batch,
                adapters=["local"] if adapter is None else ["local", adapter.name],
            )
        if not items:
            break
        for item in items:
            pacer.wait()
            status = _deliver(store, adapter, item, rollout, worker)
            if status == ActionStatus.ACKED:
                summary.acked += 1
            elif status == ActionStatus.FAILED:
                summary.failed += 1
                summary.failures.append(f"{item.kind.value} {item.target}")
            elif status == ActionStatus.PENDING:
                summary.retry_later += 1
            progress.advance(1)
        if canary_left > 0:
            canary_left -= len(items)
            if canary_left <= 0:
                if summary.failed or summary.retry_later:
                    summary.halted = (
                        f"canary of {rollout.canary}: {summary.failed} failed, "
                        f"{summary.retry_later} to retry; the rest stays pending"
                    )
                    break
                if rollout.canary_wait_s:
                    sleep(rollout.canary_wait_s)
    return summary


def _deliver(
    store: Store,
    adapter: PlatformAdapter | None,
    item: OutboxItem,
    rollout: Rollout,
    worker: str,
) -> ActionStatus | None:
    if item.kind == ActionKind.BLOCK_INFRASTRUCTURE:
        return _apply_local(store, item, worker)
    if adapter is None:
        raise RuntimeError("account actions need a platform adapter")
    with store.session() as s:
        if not mark_sent(s, item, lease=rollout.lease):
            return None  # another worker took it over after our lease ran out
    result = adapter.execute(item.request())
    with store.session() as s:
        status = finish(s, item, result, actor=worker)
        # Same transaction: notify learns the account state, and a completed takedown.
        after_delivery(s, item, status, worker)
        return status
