"""Scoring rules, operation merging and protected accounts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd

from counterspy.analytics import connect, load_tables
from counterspy.detect.pipeline import run_detection
from counterspy.detect.scoring import OperationMerge, account_scores, merge_operations
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, build_platform


def _signals(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "phase", "signal", "weight"])


def test_one_kind_of_evidence_is_never_enough() -> None:
    s = _signals(
        [
            ("lone", "reconnaissance", "at_risk_concentration", 0.6),
            ("lone", "reconnaissance", "friend_list_enumeration", 0.4),
            ("lone", "reconnaissance", "at_risk_strangers", 0.6),
            ("pair", "reconnaissance", "at_risk_concentration", 0.6),
            ("pair", "coordination", "co_action", 0.5),
            ("link", "exploitation", "malicious_links", 1.0),
        ]
    )
    scores = account_scores(s)
    assert scores["lone"] < 1.0  # capped at 0.8 however many reconnaissance signals
    assert scores["pair"] >= 1.0
    assert scores["link"] >= 1.0  # known-bad infrastructure is enough on its own


def test_repeated_signal_counts_once() -> None:
    s = _signals([("a", "engagement", "shared_photo", 0.2)] * 5)
    assert account_scores(s)["a"] == 0.2


def test_pieces_sharing_at_risk_targets_merge_and_others_stay_apart() -> None:
    membership = {"a1": "op-0001", "a2": "op-0002", "b1": "op-0003"}
    touched = pd.DataFrame(
        {
            "actor_id": ["a1"] * 4 + ["a2"] * 3 + ["b1"] * 3,
            "target_id": ["t1", "t2", "t3", "t4", "t2", "t3", "t5", "t4", "x1", "x2"],
        }
    )
    merged = merge_operations(membership, touched, OperationMerge())
    assert merged["a1"] == merged["a2"]
    assert merged["b1"] != merged["a1"]  # one shared target is not enough
    assert merge_operations(membership, touched, OperationMerge(enabled=False)) == membership


def test_protected_accounts_are_never_flagged(tmp_path: Path) -> None:
    p = build_platform(seed=5, viral_crowd=0)
    # An at-risk journalist shares a lookalike link with many people: still never flagged.
    for i, target in enumerate(f"r{n:03d}" for n in range(20, 30)):
        p.event(
            T0 + timedelta(days=3, hours=i),
            "r000",
            "message",
            target,
            url="https://instagam.click/story",
        )
    p.write(tmp_path)
    r = run_detection(load_tables(connect("duckdb"), Workspace(tmp_path)))
    flagged = set(r.accounts.loc[r.accounts["flagged"], "account_id"])
    assert "r000" not in flagged
    assert "r000" in set(r.signals["account_id"])  # the evidence is still recorded
