"""Operation-evidence signal rows (``detect/opevidence.py``): one sentence template and one
reported threshold per rule, and the rows themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from counterspy.detect.base import SIGNAL_COLUMNS

if TYPE_CHECKING:
    from counterspy.detect.opevidence import OperationEvidence

DETECTOR = "operation.evidence"
PHASE = "operation"

THRESHOLDS: Mapping[str, Callable[[OperationEvidence], float]] = {
    "operation_shared_device": lambda p: 1.0,
    "operation_shared_photo": lambda p: 1.0,
    "operation_weak_on_targets": lambda p: p.min_target_evidence,
    "operation_own_domain": lambda p: 1.0,
    "operation_bad_domain": lambda p: 1.0,
    "operation_shared_exit": lambda p: p.shared_exit.min_home_share,
    # The fewest messages that can admit (after a profile view, when that path is on).
    "operation_courting": lambda p: min(
        p.min_courting_messages,
        p.min_looked_messages if p.min_looked_messages > 0 else p.min_courting_messages,
    ),
    "operation_conversation": lambda p: p.min_conversation_messages,
    "operation_brief_courting": lambda p: p.min_brief_courting_messages,
}

TEMPLATES: Mapping[str, str] = {
    "operation_shared_device": (
        "joined {op}: used device {ex}, which {n} of its members used and {x:.0f} accounts use "
        "in all (max {p.max_accounts_per_device}); account {age} days old "
        "(max {p.max_account_age_days})"
    ),
    "operation_shared_photo": (
        "joined {op}: its profile photo {ex} is the photo of {n} of its members, used by "
        "{x:.0f} accounts in all (max {p.max_accounts_per_photo}); account {age} days old "
        "(max {p.max_account_age_days})"
    ),
    "operation_weak_on_targets": (
        "joined {op}: own signals below the flag threshold (score >= {p.min_own_score}) and "
        "looked, as a stranger, at {n} of its targets (IDF-weighted evidence {v:.2f}, "
        "threshold {p.min_target_evidence}; e.g. {ex}); {x:.0%} of the accounts it targeted "
        "(min {p.min_focus:.0%}); account {age} days old (max {p.max_account_age_days})"
    ),
    "operation_own_domain": (
        "joined {op}: sent links on {ex}, a domain its members send and {x:.0f} accounts send "
        "in all (max {p.max_domain_senders}), to {n} of its targets or people in the protection "
        "programme; account {age} days old (max {p.max_account_age_days})"
    ),
    "operation_bad_domain": (
        "joined {op}: sent links on {n} domain(s) judged bad that its members also send, e.g. "
        "{ex}, which {x:.0f} accounts send in all (max {p.max_bad_domain_senders}); account "
        "{age} days old (max {p.max_account_age_days})"
    ),
    "operation_courting": (
        "joined {op}: courted {n} of its targets as a stranger (e.g. {ex}) with up to {v:.0f} "
        "messages (min {p.min_courting_messages}, or {p.min_looked_messages} after viewing the "
        "profile; 0: that path off) and friend requests (min {p.min_courting_requests}); "
        "acted on {x:.0f} other accounts in all "
        "(max {p.max_courting_targets}); account {age} days old "
        "(max {p.max_account_age_days})"
    ),
    "operation_conversation": (
        "joined {op}: looked at the profile of {n} of its targets (e.g. {ex}) and wrote up to "
        "{v:.0f} messages (min {p.min_conversation_messages}) that they answered, as a stranger "
        "and not an acquaintance (no friend request needed); acted on {x:.0f} accounts in all "
        "(max {p.max_conversation_targets}); the operation has at least "
        "{p.min_conversation_members} accounts; account {age} days old "
        "(max {p.max_account_age_days})"
    ),
    "operation_brief_courting": (
        "joined {op}: looked at the profile of {n} of its targets (e.g. {ex}), sent a friend "
        "request and {v:.0f} messages (min {p.min_brief_courting_messages}), as a stranger and "
        "not an acquaintance; acted on {x:.0f} accounts in all "
        "(max {p.max_conversation_targets}); the operation has at least "
        "{p.min_conversation_members} accounts; account {age} days old "
        "(max {p.max_account_age_days})"
    ),
    "operation_shared_exit": (
        "joined {op}: lives on address {ex} ({v:.0%} of its events, min "
        "{p.shared_exit.min_home_share:.0%}, on >= {p.shared_exit.min_address_events} events), "
        "the home address of {n} of its members, used by {x:.0f} accounts in all (max "
        "{p.shared_exit.max_accounts_per_address}), and {p.shared_exit.legend_text}; "
        "account {age} days old (max {p.shared_exit.max_account_age_days})"
    ),
}


def signal_rows(policy: OperationEvidence, admitted: pd.DataFrame) -> pd.DataFrame:
    """Explainable signal rows (:data:`SIGNAL_COLUMNS`) for fetched admitted rows."""
    if admitted.empty:
        return pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    rounds = admitted["round"] if "round" in admitted else pd.Series(1, index=admitted.index)
    text = [
        TEMPLATES[s].format(p=policy, op=op, n=n, v=v, x=x, ex=ex, age=age)
        + (f" (round {r}: anchored on the operation as round {r - 1} grew it)" if r > 1 else "")
        for s, op, n, v, x, ex, age, r in zip(
            admitted["signal"],
            admitted["operation_id"],
            admitted["n"],
            admitted["value"],
            admitted["extra"],
            admitted["example"],
            admitted["age_days"],
            rounds,
            strict=True,
        )
    ]
    thresholds = admitted["signal"].map(lambda s: float(THRESHOLDS[s](policy)))
    return pd.DataFrame(
        {
            "account_id": admitted["account_id"],
            "detector": DETECTOR,
            "version": policy.version,
            "phase": PHASE,
            "signal": admitted["signal"],
            "value": admitted["value"].astype("float64"),
            "threshold": thresholds.astype("float64"),
            "weight": float(policy.weight),
            "window_start": admitted["window_start"],
            "window_end": admitted["window_end"],
            "evidence": text,
            "params": policy.params_json(),
        },
        columns=list(SIGNAL_COLUMNS),
    )
