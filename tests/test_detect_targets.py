"""Target admission: which accounts an operation's members touched count as its targets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids


def _platform() -> Platform:
    p = Platform()
    for a in ("op1", "op2", "broad"):
        p.account(a, age_days=60)
    for t in ("r1", "r2", "r3"):
        p.account(t, at_risk="journalist")
    for t in ("o_looked", "o_written", "o_shared"):
        p.account(t)
    # A focused member: two at-risk targets, an outsider it viewed then wrote to, and an
    # outsider it only wrote to (conversation, not targeting).
    ts = T0 + timedelta(days=1)
    p.event(ts, "op1", "profile_view", "r1")
    p.event(ts, "op1", "friend_list_view", "r2")
    p.event(ts, "op1", "profile_view", "o_looked")
    p.event(ts, "op1", "message", "o_looked")
    p.event(ts, "op1", "message", "o_written")
    p.event(ts, "op1", "message", "o_written")
    # A broad reader flagged into the operation: 80 people, one of them shared with op1.
    for i in range(80):
        p.event(ts + timedelta(minutes=i), "broad", "profile_view", p.account(f"n{i:02d}"))
        p.event(ts + timedelta(minutes=i, seconds=1), "broad", "profile_view", f"n{i:02d}")
    p.event(ts, "broad", "profile_view", "r3")
    p.event(ts, "broad", "profile_view", "r1")
    p.event(ts, "op2", "profile_view", "o_shared")
    p.event(ts, "broad", "profile_view", "o_shared")
    p.event(ts, "broad", "profile_view", "o_shared")
    return p


def _targets(policy: TargetPolicy) -> set[str]:
    return listed_ids(_platform(), ("op1", "op2", "broad"), policy)


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return _targets(TargetPolicy())


def test_focused_members_targets_are_listed(listed: set[str]) -> None:
    assert {"r1", "r2", "o_looked"} <= listed


def test_a_conversation_alone_does_not_make_an_outsider_a_target(listed: set[str]) -> None:
    assert "o_written" not in listed
    assert "o_written" in _targets(TargetPolicy(outsiders_need_a_look=False))


def test_a_broad_readers_lone_contacts_are_not_listed(listed: set[str]) -> None:
    assert "r3" not in listed  # only the broad reader reached it
    assert not {t for t in listed if t.startswith("n")}
    assert "o_shared" in listed  # another member reached it too
    everyone = _targets(TargetPolicy(broad_member_targets=None))
    assert "r3" in everyone
    assert len({t for t in everyone if t.startswith("n")}) == 80
