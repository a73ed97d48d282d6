"""ScoringPolicy.uncapped_signals: a listed signal escapes its phase's cap (scored as a phase of
its own, capped at 1.0); the other signals keep theirs."""

from __future__ import annotations

import pandas as pd

from counterspy.detect.scoring import ScoringPolicy, account_scores


def _rows(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "phase", "signal", "weight"])


def test_uncapped_signal_scores_outside_its_phase_cap() -> None:
    s = _rows(
        ("a", "engagement", "courted_strangers", 1.0),
        ("b", "engagement", "courted_strangers", 1.0),
        ("b", "engagement", "at_risk_outreach", 0.6),
        ("c", "engagement", "at_risk_outreach", 0.6),
        ("c", "engagement", "young_active_persona", 0.4),
    )
    capped = account_scores(s)
    assert capped.to_dict() == {"a": 0.8, "b": 0.8, "c": 0.8}
    free = account_scores(s, ScoringPolicy().uncapped_signals)
    assert free["a"] == 1.0
    assert free["b"] == 1.6  # the other engagement signal keeps its own cap
    assert free["c"] == 0.8  # no listed signal: capped as before


def test_an_uncapped_signal_has_its_own_cap_of_one() -> None:
    s = _rows(("d", "engagement", "courted_strangers", 1.5))
    assert account_scores(s, ("courted_strangers",))["d"] == 1.0
