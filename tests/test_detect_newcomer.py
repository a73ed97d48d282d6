"""New accounts befriending people at large need more evidence (detect/newcomer.py).

One platform, detected with the rule off (the look-alike is real: it is flagged there) and on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from counterspy.detect.newcomer import BefriendingNewcomers
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged
from tests.detect_fixtures import run_plant as _run

RING_B_IP = "192.0.2.77"


@dataclass(frozen=True)
class Planted:
    p: Platform
    newbie: str  # ~30 days old, befriends 12 ordinary people from ring B's address
    keen: str  # ~30 days old, befriends 12 people from that address, 6 of them at risk
    off: DetectionResult
    on: DetectionResult


def _befriend(p: Platform, actor: str, targets: list[str], accepted: int) -> None:
    for k, t in enumerate(targets):
        ts = T0 + timedelta(days=31 + k)
        p.event(ts, actor, "friend_request", t, ip=RING_B_IP, country="GR")
        if k < accepted:
            p.event(ts + timedelta(hours=2), t, "friend_accept", actor)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=17, viral_crowd=0)
    # Created 30 days into the 60-day fixture: about 30 days old at its end.
    newbie = p.account("newbie", age_days=-30, country="GR")
    _befriend(p, newbie, [f"b{300 + i:04d}" for i in range(12)], accepted=8)
    keen = p.account("keen", age_days=-30, country="GR")
    people = [f"b{320 + i:04d}" for i in range(6)] + [f"r{i:03d}" for i in range(22, 28)]
    _befriend(p, keen, people, accepted=2)
    tmp = tmp_path_factory.mktemp("newcomer")
    off = DetectionConfig(newcomers=BefriendingNewcomers(enabled=False))
    return Planted(
        p, newbie, keen, off=_run(tmp / "off", p, off), on=_run(tmp / "on", p, DetectionConfig())
    )


def test_newcomer_befriending_people_at_large_is_not_flagged(planted: Planted) -> None:
    pl = planted
    # The look-alike is real: young, busy and on an operation's address, it is flagged.
    assert pl.newbie in _flagged(pl.off)
    assert pl.newbie not in _flagged(pl.on)
    rows = pl.on.signals[pl.on.signals["signal"] == "befriending_newcomer"]
    row = rows.set_index("account_id").loc[pl.newbie]
    assert row["weight"] == -1.0
    assert row["value"] == 12.0  # distinct accounts it sent friend requests to
    assert "0 of the 12 accounts it acted on are at risk" in str(row["evidence"])


def test_newcomer_working_at_risk_people_is_kept(planted: Planted) -> None:
    pl = planted
    on = _flagged(pl.on)
    # Same age, same address, as many requests: but half of them at-risk people.
    assert pl.keen in on
    rings = set(pl.p.rings["A"]) | set(pl.p.rings["B"])
    assert rings <= on  # young personas sending a few requests each
    rows = pl.on.signals[pl.on.signals["signal"] == "befriending_newcomer"]
    assert set(rows["account_id"]) == {pl.newbie}
