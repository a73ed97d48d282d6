"""HMAC-SHA256 request signatures for the enforcement webhook.

The signed message is ``<timestamp>.<body>`` (timestamp in decimal Unix seconds, then a dot,
then the exact request body bytes). Headers::

    X-Counterspy-Timestamp: 1764403200
    X-Counterspy-Signature: v1=<hex HMAC-SHA256(secret, b"1764403200." + body)>
    Idempotency-Key: cs-disable_account-...

A platform verifies by recomputing the HMAC over the raw body, comparing in constant time, and
rejecting timestamps more than ``tolerance`` seconds from its clock (replay window).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Counterspy-Signature"
TIMESTAMP_HEADER = "X-Counterspy-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def sign_headers(secret: bytes, body: bytes, *, now: float | None = None) -> dict[str, str]:
    ts = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: signature(secret, ts, body)}


def verify(
    secret: bytes,
    body: bytes,
    timestamp: str | None,
    provided: str | None,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> str | None:
    """None when the signature is valid; otherwise why not (for the platform's 401 body)."""
    if not timestamp or not provided:
        return "missing signature headers"
    if not timestamp.isdigit():
        return "malformed timestamp"
    ts = int(timestamp)
    current = now if now is not None else time.time()
    if abs(current - ts) > tolerance_s:
        return "timestamp outside the replay window"
    if not hmac.compare_digest(signature(secret, ts, body), provided):
        return "signature mismatch"
    return None
