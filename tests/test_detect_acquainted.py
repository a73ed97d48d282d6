"""Acquaintances are not targets (detect/acquainted.py, CoAction.skip_acquainted).

One platform: two personas look at the same three at-risk journalists within days (profile
and friend-list views); two friends in one circle look at, write to and react to three other
at-risk people within days (friends of their friends). Both pairs score the same on their own
(at-risk strangers) and co-act equally tightly. With the rule, the friends' looks at people
whose posts they react to and comment on are no co-action, and only the personas are flagged;
with ``skip_acquainted=False`` the friends are flagged too. Operation expansion and
operation evidence are off (different rules that admit strangers on an operation's targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.acquainted import ACQUAINTED_TYPES
from counterspy.detect.coordination import CoAction
from counterspy.detect.expand import OperationExpansion
from counterspy.detect.opevidence import OperationEvidence
from counterspy.detect.pipeline import DetectionConfig, DetectionResult, run_detection
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged


@dataclass(frozen=True)
class Planted:
    personas: list[str]
    friends: list[str]
    on: DetectionResult
    off: DetectionResult


def _run(tmp: Path, p: Platform, co_action: CoAction) -> DetectionResult:
    p.write(tmp)
    config = DetectionConfig(
        co_action=co_action,
        expansion=OperationExpansion(enabled=False),
        op_evidence=OperationEvidence(enabled=False),
    )
    return run_detection(load_tables(connect("duckdb"), Workspace(tmp)), config)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=41, viral_crowd=0)
    watched = [p.account(f"aq-j{i}", at_risk="journalist", country="MX") for i in range(3)]
    circle = [p.account(f"aq-a{i}", at_risk="activist", country="MX") for i in range(3)]
    personas = [p.account(f"aq-op{i}", age_days=90, country="MX") for i in range(2)]
    for i, o in enumerate(personas):
        for k, t in enumerate(watched):
            ts = T0 + timedelta(days=3 + i, hours=6 * k)
            p.event(ts, o, "profile_view", t, ip=f"198.51.100.{40 + i}")
            p.event(ts + timedelta(minutes=2), o, "friend_list_view", t, ip=f"198.51.100.{40 + i}")
    friends = [p.account(f"aq-fr{i}", age_days=400, country="MX") for i in range(2)]
    for i, f in enumerate(friends):
        for k, t in enumerate(circle):
            ts = T0 + timedelta(days=10 + i, hours=6 * k)
            p.event(ts, f, "profile_view", t, ip=f"198.51.100.{60 + i}")
            p.event(ts + timedelta(minutes=4), f, "message", t, ip=f"198.51.100.{60 + i}")
            p.event(ts + timedelta(minutes=9), f, ACQUAINTED_TYPES[k % 2], t)
    # The two friends write to each other (one circle).
    p.event(T0 + timedelta(days=9), friends[0], "message", friends[1])
    p.event(T0 + timedelta(days=9, hours=1), friends[1], "message", friends[0])
    tmp = tmp_path_factory.mktemp("acq")
    return Planted(
        personas,
        friends,
        on=_run(tmp / "on", p, CoAction()),
        off=_run(tmp / "off", p, CoAction(skip_acquainted=False)),
    )


def _signals(r: DetectionResult, account: str) -> set[str]:
    return set(r.signals.loc[r.signals["account_id"] == account, "signal"])


def test_personas_co_act_and_are_flagged(planted: Planted) -> None:
    assert set(planted.personas) <= _flagged(planted.on)
    for o in planted.personas:
        assert "co_action" in _signals(planted.on, o)


def test_friends_of_friends_do_not_co_act(planted: Planted) -> None:
    assert not set(planted.friends) & _flagged(planted.on)
    for f in planted.friends:
        assert "co_action" not in _signals(planted.on, f)
        # They still act on at-risk strangers: the rule only takes their co-action away.
        assert "at_risk_strangers" in _signals(planted.on, f)


def test_counting_acquaintances_flags_the_friends(planted: Planted) -> None:
    assert set(planted.friends) <= _flagged(planted.off)
    for f in planted.friends:
        assert "co_action" in _signals(planted.off, f)
    assert set(planted.personas) <= _flagged(planted.off)
