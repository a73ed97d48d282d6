"""Coordination with suspects none of whom is flagged confirms nothing (detect/unconfirmed.py).

One platform, detected with the rule off (the look-alike is real: it is flagged there) and on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from counterspy.detect.lone import LoneAccounts
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from counterspy.detect.unconfirmed import UnconfirmedPeers
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged
from tests.detect_fixtures import run_plant as _run


@dataclass(frozen=True)
class Planted:
    p: Platform
    reader: str  # reads five at-risk people, co-acts with one sub-threshold reader
    peer: str  # that reader: a suspect (score >= 0.4), never flagged
    sender: str  # reads the same way and sends a lookalike link: enough on its own
    off: DetectionResult
    on: DetectionResult


def _read(p: Platform, actor: str, targets: list[str], day: int, lists: bool) -> None:
    for k, t in enumerate(targets):
        p.event(T0 + timedelta(days=day + k), actor, "profile_view", t)
        if lists:
            p.event(T0 + timedelta(days=day + k, minutes=5), actor, "friend_list_view", t)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=13, viral_crowd=0)
    pool = [p.account(f"lr{i}", at_risk="journalist", country="GR") for i in range(6)]
    reader = p.account("reader", age_days=300)
    # Older than operation evidence admits (1000 days): it stays outside, not flagged.
    peer = p.account("peer", age_days=1500)
    _read(p, reader, pool[:5], 3, lists=True)
    # Two of the reader's five and one more: co-action (2 shared of 6, Jaccard 0.33).
    _read(p, peer, [pool[0], pool[1], pool[5]], 10, lists=False)
    pool2 = [p.account(f"sr{i}", at_risk="activist", country="GR") for i in range(6)]
    sender = p.account("sender", age_days=300)
    peer2 = p.account("peer2", age_days=300)
    _read(p, sender, pool2[:5], 3, lists=True)
    _read(p, peer2, [pool2[0], pool2[1], pool2[5]], 10, lists=False)
    p.event(T0 + timedelta(days=20), sender, "message", pool2[0], url="https://wha.tsapp.me/j/2")
    tmp = tmp_path_factory.mktemp("unconfirmed")
    # The lone-account rule (detect/lone.py) would catch the reader too: off as well.
    off = DetectionConfig(
        unconfirmed=UnconfirmedPeers(enabled=False), lone=LoneAccounts(enabled=False)
    )
    return Planted(
        p,
        reader,
        peer,
        sender,
        off=_run(tmp / "off", p, off),
        on=_run(tmp / "on", p, DetectionConfig()),
    )


def _rows(r: DetectionResult) -> pd.DataFrame:
    return r.signals[r.signals["signal"] == "unconfirmed_peers"]


def test_coordination_with_unflagged_suspects_only_does_not_flag(planted: Planted) -> None:
    pl = planted
    off, on = _flagged(pl.off), _flagged(pl.on)
    # The look-alike is real: without the rule the reader is flagged on co-action with a peer
    # that is a suspect but is not flagged itself.
    assert pl.reader in off
    assert pl.peer not in off
    co = pl.off.signals[
        (pl.off.signals["account_id"] == pl.reader) & (pl.off.signals["signal"] == "co_action")
    ]
    assert len(co) == 1
    assert pl.reader not in on
    row = _rows(pl.on).set_index("account_id").loc[pl.reader]
    assert row["phase"] == "coordination"
    assert row["weight"] == pytest.approx(-float(co["weight"].iloc[0]))
    assert "none of them flagged" in str(row["evidence"])
    assert "peer" in str(row["evidence"])
    scores = pl.on.accounts.set_index("account_id")["score"]
    assert scores[pl.reader] < 1.0


def test_accounts_confirmed_otherwise_are_kept(planted: Planted) -> None:
    pl = planted
    on = _flagged(pl.on)
    # A bad link is enough without the co-action: kept, and no counter-evidence row.
    assert pl.sender in on
    # Ring members co-act with flagged members: confirmed.
    rings = set(pl.p.rings["A"]) | set(pl.p.rings["B"])
    assert rings <= on
    assert not set(_rows(pl.on)["account_id"]) & (rings | {pl.sender})
    # Only the lone reader lost its flag.
    assert _flagged(pl.off) - on == {pl.reader}
    assert pl.p.rings["A"][0] not in set(_rows(pl.on)["account_id"])
