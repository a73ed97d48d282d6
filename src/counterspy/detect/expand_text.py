"""Operation-expansion signal rows (``detect/expand.py``): the sentence and the row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from counterspy.detect.base import SIGNAL_COLUMNS

if TYPE_CHECKING:
    from counterspy.detect.expand import OperationExpansion

DETECTOR = "operation.expansion"
SIGNAL = "operation_expansion"
PHASE = "operation"


def signal_rows(policy: OperationExpansion, admitted: pd.DataFrame) -> pd.DataFrame:
    """Explainable signal rows (:data:`SIGNAL_COLUMNS`) for fetched admitted accounts."""
    if admitted.empty:
        return pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    a = admitted
    text = [
        f"joined {op}: acted as a stranger with no shared contacts on {n} of its targets "
        f"(IDF-weighted evidence {w:.2f}, threshold {policy.min_evidence}; e.g. {ex}); "
        f"{100 * f:.0f}% of the {nt} accounts it targeted (min {100 * policy.min_focus:.0f}%)"
        f"; account {age} days old (max {policy.max_account_age_days})"
        + (
            f"; {na_} targeting actions on those {nt} accounts ({na_ / max(nt, 1):.2f} per "
            f"person; below {policy.min_actions_per_target:g} a drive-by needs "
            f"{policy.drive_by_min_targets} targets)"
            if policy.min_actions_per_target is not None
            else ""
        )
        + ("; shares a rarely used IP address or device with a member" if si else "")
        + (
            f"; on {na} of the operation's targets within {policy.anchor_gap_hours:g} h of a "
            "member's action on the same person"
            if na
            else ""
        )
        for op, n, na, w, ex, f, nt, na_, age, si in zip(
            a["operation_id"],
            a["n_targets"],
            a["n_anchored"],
            a["evidence_weight"],
            a["example_target"],
            a["focus"],
            a["n_targeted"],
            a["n_actions"],
            a["age_days"],
            a["shared_infra"],
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "account_id": a["account_id"],
            "detector": DETECTOR,
            "version": policy.version,
            "phase": PHASE,
            "signal": SIGNAL,
            "value": a["evidence_weight"].astype("float64"),
            "threshold": float(policy.min_evidence),
            "weight": float(policy.weight),
            "window_start": a["window_start"],
            "window_end": a["window_end"],
            "evidence": text,
            "params": policy.params_json(),
        },
        columns=list(SIGNAL_COLUMNS),
    )
