"""The acceptance bars on real data: Cytrox recall without indicators, benign false positives."""

from __future__ import annotations

from pathlib import Path

from benchmarks.eval_lookalike import SHORTENER_CODES, benign_domains, cytrox_domains, half

from counterspy.infra.brands import bundled_brands
from counterspy.infra.indicator_index import IndicatorIndex
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.verdict import VerdictEngine


def test_half_of_cytrox_domains_are_suspicious_without_indicators(shared_data: Path) -> None:
    engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(bundled_brands()))
    domains = cytrox_domains(shared_data)
    assert len(domains) == 312
    hits = {d for d in domains if engine.verdict(d).label.value == "suspicious"}
    assert len(hits) / len(domains) >= 0.5
    held_out = [d for d in domains if half(d) == "held-out"]
    assert len(hits.intersection(held_out)) / len(held_out) >= 0.5  # measured 50.7 %


def test_popular_benign_domains_stay_clean() -> None:
    engine = VerdictEngine(IndicatorIndex(), LookalikeIndex(bundled_brands()))
    domains = benign_domains()
    assert len(domains) >= 3000
    flagged = [engine.verdict(d) for d in domains]
    fps = [
        v for v in flagged if v.label.value != "clean" and v.reasons[0].code not in SHORTENER_CODES
    ]
    assert len(fps) / len(domains) <= 0.005, [v.url for v in fps]
