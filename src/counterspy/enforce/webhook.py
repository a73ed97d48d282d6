"""The webhook adapter: signed POSTs to the platform's enforcement endpoint, with retries.

Retries (exponential backoff with full jitter) on 5xx, 408, 425, 429, timeouts and dropped
connections; never on other 4xx, which are recorded as failed with the platform's reason.
Every attempt carries the same ``Idempotency-Key``, so a retry after a lost response cannot
apply the action twice.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import httpx

from counterspy.enforce.actions import ActionRequest, ActionResult, Outcome
from counterspy.enforce.adapters import PlatformAdapter
from counterspy.enforce.signing import IDEMPOTENCY_HEADER, sign_headers
from counterspy.errors import CounterspyError

RETRY_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: bytes
    timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise CounterspyError(
                f"platform URL {self.url!r} is not http(s)",
                hint="pass --platform-url https://platform.example/enforcement",
            )
        if len(self.secret) < 16:
            raise CounterspyError(
                "the webhook signing secret is shorter than 16 bytes",
                hint="share a long random secret with the platform (e.g. 32 bytes, hex)",
            )
        if self.max_attempts < 1:
            raise CounterspyError("max_attempts must be at least 1")


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rng.uniform(0, min(cap, base * (2**attempt)))


def request_body(request: ActionRequest, *, now: datetime | None = None) -> bytes:
    """The canonical JSON body (sorted keys, UTF-8) that is signed and sent."""
    doc = {
        "action": request.kind.value,
        "target": request.target,
        "target_kind": request.target_kind.value,
        "reason": request.reason,
        "evidence_ref": request.evidence_ref,
        "idempotency_key": request.idempotency_key,
        "requested_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookAdapter(PlatformAdapter):
    name: ClassVar[str] = "webhook"

    def __init__(
        self,
        config: WebhookConfig,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._client = client or httpx.Client(timeout=config.timeout_s)
        self._sleep = sleep
        self._rng = rng or random.Random()

    def _do_execute(self, request: ActionRequest) -> ActionResult:
        body = request_body(request)
        detail = ""
        status: int | None = None
        for attempt in range(self.config.max_attempts):
            if attempt:
                self._sleep(
                    backoff_delay(
                        attempt - 1,
                        self.config.backoff_base_s,
                        self.config.backoff_cap_s,
                        self._rng,
                    )
                )
            headers = {
                "Content-Type": "application/json",
                IDEMPOTENCY_HEADER: request.idempotency_key,
                **sign_headers(self.config.secret, body),
            }
            try:
                resp = self._client.post(self.config.url, content=body, headers=headers)
            except httpx.TimeoutException as exc:
                status, detail = None, f"timeout: {type(exc).__name__}"
                continue
            except httpx.TransportError as exc:
                status, detail = None, f"connection error: {type(exc).__name__}: {exc}"
                continue
            status = resp.status_code
            if 200 <= status < 300:
                return ActionResult(
                    Outcome.ACKED, attempt + 1, status, _platform_ref(resp), _reason(resp)
                )
            detail = f"HTTP {status}: {_reason(resp)}"
            if status < 500 and status not in RETRY_STATUSES:
                return ActionResult(Outcome.FAILED, attempt + 1, status, None, detail)
        return ActionResult(Outcome.TRANSIENT, self.config.max_attempts, status, None, detail)

    def close(self) -> None:
        self._client.close()


def _json(resp: httpx.Response) -> dict[str, object]:
    try:
        doc = resp.json()
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _platform_ref(resp: httpx.Response) -> str | None:
    ref = _json(resp).get("ref")
    return str(ref)[:200] if ref is not None else None


def _reason(resp: httpx.Response) -> str:
    doc = _json(resp)
    for key in ("status", "detail", "error"):
        if key in doc:
            return str(doc[key])[:500]
    return resp.text[:500]
