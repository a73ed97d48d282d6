"""Reason codes a reviewer picks when approving or rejecting an enforcement action.

Codes are stable (they are written to the audit log and the outbox); labels may change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasonCode:
    code: str
    label: str


APPROVE_REASONS: tuple[ReasonCode, ...] = (
    ReasonCode("SFH-1", "Fake account operated for a surveillance-for-hire firm"),
    ReasonCode("SFH-2", "Account coordinating with a surveillance-for-hire operation"),
    ReasonCode("SFH-3", "Account delivering malicious links for an operation"),
)
REJECT_REASONS: tuple[ReasonCode, ...] = (
    ReasonCode("FP-1", "False positive: an authentic person or business"),
    ReasonCode("FP-2", "Not enough evidence yet"),
    ReasonCode("DUP-1", "Already handled elsewhere"),
)
_BY_CODE = {r.code: r for r in (*APPROVE_REASONS, *REJECT_REASONS)}


def reason_text(code: str, note: str) -> str | None:
    """``CODE: note`` for a known code, else None."""
    if code not in _BY_CODE:
        return None
    note = " ".join(note.split())[:500]
    return f"{code}: {note}" if note else code


def is_approve(code: str) -> bool:
    return any(r.code == code for r in APPROVE_REASONS)
