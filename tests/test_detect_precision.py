"""Precision rules: planted benign look-alikes are removed, planted operators are kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from counterspy.analytics import connect, load_tables
from counterspy.detect.established import EstablishedAccounts
from counterspy.detect.pipeline import DetectionConfig, DetectionResult, run_detection
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, Platform, build_platform


def _readers(p: Platform, prefix: str, age_days: int) -> list[str]:
    """Two accounts that read five at-risk people each, three of them the same: at-risk
    family signals (capped at 0.8) plus co-action with each other (Jaccard 3/7)."""
    pool = [p.account(f"{prefix}r{i}", at_risk="journalist", country="GR") for i in range(7)]
    a = p.account(f"{prefix}1", age_days=age_days)
    b = p.account(f"{prefix}2", age_days=age_days)
    for k, t in enumerate([*pool[:3], pool[3], pool[4]]):
        p.event(T0 + timedelta(days=3 + k), a, "profile_view", t)
        p.event(T0 + timedelta(days=3 + k, minutes=5), a, "friend_list_view", t)
    for k, t in enumerate([*pool[:3], pool[5], pool[6]]):
        p.event(T0 + timedelta(days=9 + k), b, "profile_view", t)
    return [a, b]


def _flagged(r: DetectionResult) -> set[str]:
    return set(r.accounts.loc[r.accounts["flagged"], "account_id"])


def _run(tmp: Path, p: Platform, config: DetectionConfig) -> DetectionResult:
    p.write(tmp)
    return run_detection(load_tables(connect("duckdb"), Workspace(tmp)), config)


def test_established_accounts_need_more_evidence(tmp_path: Path) -> None:
    p = build_platform(seed=11, viral_crowd=0)
    researchers = _readers(p, "old", age_days=1500)  # years-old accounts: researchers
    personas = _readers(p, "new", age_days=200)  # the same behaviour from young personas
    # An established account that sends a lookalike link: exempt, a bad link is enough.
    sender = p.account("oldsender", age_days=3000)
    p.event(T0 + timedelta(days=41), sender, "message", "r036", url="https://wha.tsapp.me/j/1")
    off = _run(tmp_path / "off", p, DetectionConfig(established=EstablishedAccounts(enabled=False)))
    # The look-alike is real: without the rule both pairs are flagged on the same evidence.
    assert set(researchers) | set(personas) | {sender} <= _flagged(off)

    on = _run(tmp_path / "on", p, DetectionConfig())
    flagged = _flagged(on)
    assert not set(researchers) & flagged
    assert set(personas) <= flagged
    assert {sender} <= flagged
    assert set(p.rings["A"]) | set(p.rings["B"]) <= flagged
    rows = on.signals[on.signals["signal"] == "established_account"]
    assert set(rows["account_id"]) == set(researchers)  # only accounts it would have flagged
    assert (rows["weight"] == -0.5).all()
    assert rows["evidence"].str.contains("days old").all()
    assert (rows["value"] >= 700).all()
    scores = on.accounts.set_index("account_id")["score"]
    assert all(scores[a] < 1.0 for a in researchers)
