"""Enforcement action types: what can be done, to what, and how a delivery ended."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActionKind(StrEnum):
    """Stable names (storage keys and wire values): never change them."""

    DISABLE_ACCOUNT = "disable_account"
    REINSTATE_ACCOUNT = "reinstate_account"
    BLOCK_INFRASTRUCTURE = "block_infrastructure"


class TargetKind(StrEnum):
    ACCOUNT = "account"
    DOMAIN = "domain"
    URL = "url"
    IP = "ip"


# Which target kinds each action accepts, and whether it goes to the platform (adapter) or is
# applied inside counterspy (the blocklist).
ACCEPTS: dict[ActionKind, frozenset[TargetKind]] = {
    ActionKind.DISABLE_ACCOUNT: frozenset({TargetKind.ACCOUNT}),
    ActionKind.REINSTATE_ACCOUNT: frozenset({TargetKind.ACCOUNT}),
    ActionKind.BLOCK_INFRASTRUCTURE: frozenset({TargetKind.DOMAIN, TargetKind.URL, TargetKind.IP}),
}
LOCAL_KINDS = frozenset({ActionKind.BLOCK_INFRASTRUCTURE})
# The action that undoes another (appeals and reversals use it).
REVERSAL: dict[ActionKind, ActionKind] = {
    ActionKind.DISABLE_ACCOUNT: ActionKind.REINSTATE_ACCOUNT,
    ActionKind.REINSTATE_ACCOUNT: ActionKind.DISABLE_ACCOUNT,
}


class ActionStatus(StrEnum):
    PENDING = "pending"  # approved, waiting for a worker (or for ``not_before`` after a retry)
    CLAIMED = "claimed"  # a worker holds the lease
    SENT = "sent"  # the request went out; no answer recorded yet
    ACKED = "acked"  # the platform confirmed (applied, or already applied under this key)
    FAILED = "failed"  # refused (4xx) or out of retries; needs a human
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({ActionStatus.PENDING, ActionStatus.CLAIMED, ActionStatus.SENT})


class Outcome(StrEnum):
    ACKED = "acked"
    FAILED = "failed"  # permanent: do not retry
    TRANSIENT = "transient"  # 5xx, timeout, dropped connection after the adapter's own retries


@dataclass(frozen=True)
class ActionRequest:
    """What an adapter is asked to do. The idempotency key is the platform's dedupe key."""

    action_id: int
    kind: ActionKind
    target: str
    target_kind: TargetKind
    idempotency_key: str
    reason: str
    evidence_ref: str | None


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome
    attempts: int
    status_code: int | None = None
    platform_ref: str | None = None
    detail: str = ""
