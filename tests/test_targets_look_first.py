"""Look before you write: an outsider first written to, looked at only later, is cover."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids


def _targets(policy: TargetPolicy) -> set[str]:
    p = Platform()
    p.account("op1", age_days=60)
    for t in ("o_profiled", "o_chatted", "o_requested"):
        p.account(t)
    ts = T0 + timedelta(days=1)
    # Profiled, then approached: a target.
    p.event(ts, "op1", "profile_view", "o_profiled")
    p.event(ts + timedelta(days=2), "op1", "message", "o_profiled")
    # Written to first, the profile glanced at two days later: the persona's cover.
    p.event(ts, "op1", "message", "o_chatted")
    p.event(ts + timedelta(days=2), "op1", "profile_view", "o_chatted")
    # Befriended and written to before any look: cover too.
    p.event(ts, "op1", "friend_request", "o_requested")
    p.event(ts + timedelta(hours=1), "op1", "message", "o_requested")
    p.event(ts + timedelta(days=3), "op1", "friend_list_view", "o_requested")
    return listed_ids(p, ("op1",), policy)


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return _targets(TargetPolicy())


def test_a_profiled_then_approached_outsider_is_listed(listed: set[str]) -> None:
    assert "o_profiled" in listed


def test_written_to_before_any_look_is_cover(listed: set[str]) -> None:
    assert "o_chatted" not in listed
    assert "o_requested" not in listed


def test_off_lists_them() -> None:
    off = _targets(TargetPolicy(outsiders_look_first=False))
    assert {"o_profiled", "o_chatted", "o_requested"} <= off
