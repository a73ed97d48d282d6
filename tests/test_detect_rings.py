"""The ring machinery weak rings and link rings share (detect/rings.py)."""

from __future__ import annotations

import pandas as pd

from counterspy.detect.rings import as_operations, excluded, pooled_rings


def test_components_are_kept_by_size_and_pooled_score() -> None:
    scores = pd.Series({"a": 0.5, "b": 0.5, "c": 0.5, "d": 0.9, "e": 0.9, "f": -1.0})
    pairs = [("a", "b"), ("b", "c"), ("d", "e"), ("f", "a")]
    # a-b-c-f pools 1.5 (f's counter-evidence counts as 0, not against); d-e is too small.
    assert pooled_rings(pairs, scores, min_size=3, min_pooled=1.5) == [["a", "b", "c", "f"]]
    assert pooled_rings(pairs, scores, min_size=3, min_pooled=1.6) == []
    assert pooled_rings(pairs, scores, min_size=2, min_pooled=1.5) == [
        ["a", "b", "c", "f"],
        ["d", "e"],
    ]
    strong = pooled_rings(
        pairs, scores, min_size=2, min_pooled=1.0, accept=lambda own: bool((own >= 0.9).all())
    )
    assert strong == [["d", "e"]]


def test_rings_become_new_operations_after_the_existing_ids() -> None:
    membership = {"x": "op-0007", "y": "op-0012"}
    out, named = as_operations(membership, [["a", "b", "c"], ["d", "e", "f"]])
    assert named == {"op-0013": ["a", "b", "c"], "op-0014": ["d", "e", "f"]}
    assert (out["x"], out["a"], out["f"]) == ("op-0007", "op-0013", "op-0014")
    assert membership == {"x": "op-0007", "y": "op-0012"}  # not changed in place


def test_members_protected_and_countered_accounts_take_no_part() -> None:
    scores = pd.Series({"m": 1.2, "p": 0.4, "n": -0.4, "w": 0.4})
    assert excluded({"m": "op-0001"}, ["p"], scores) == {"m", "p", "n"}
