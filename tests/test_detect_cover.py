"""Cover friends are not targets (detect/cover.py): befriended outsiders need a view and a
conversation too; at-risk people are listed whatever the operation did."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.cover import CoverContacts
from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids


def _platform() -> Platform:
    p = Platform()
    p.account("op1", age_days=60)
    p.account("r1", at_risk="activist")
    for t in ("o_friend", "o_worked", "o_chat", "o_viewed"):
        p.account(t)
    ts = T0 + timedelta(days=1)
    # Cover: a persona collecting friends looks at a profile and sends a request, no more.
    p.event(ts, "op1", "profile_view", "o_friend")
    p.event(ts + timedelta(minutes=1), "op1", "friend_request", "o_friend")
    # Worked on: looked at, befriended, written to (the approach).
    p.event(ts, "op1", "profile_view", "o_worked")
    p.event(ts + timedelta(minutes=1), "op1", "friend_request", "o_worked")
    p.event(ts + timedelta(hours=2), "op1", "message", "o_worked")
    # Befriended and written to, never looked at: a conversation with a friend.
    p.event(ts, "op1", "friend_request", "o_chat")
    p.event(ts + timedelta(hours=2), "op1", "message", "o_chat")
    # No friend request: the rule does not apply (two views, as before).
    p.event(ts, "op1", "profile_view", "o_viewed")
    p.event(ts + timedelta(hours=1), "op1", "friend_list_view", "o_viewed")
    # At risk: one friend request is enough.
    p.event(ts, "op1", "friend_request", "r1")
    return p


def _targets(policy: TargetPolicy) -> set[str]:
    return listed_ids(_platform(), ("op1",), policy)


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return _targets(TargetPolicy())


def test_cover_friends_are_not_targets(listed: set[str]) -> None:
    assert "o_friend" not in listed
    assert "o_chat" not in listed


def test_worked_on_outsiders_and_at_risk_people_are_kept(listed: set[str]) -> None:
    assert {"o_worked", "r1", "o_viewed"} <= listed


def test_without_the_rule_cover_friends_are_listed() -> None:
    off = _targets(TargetPolicy(cover=CoverContacts(enabled=False)))
    assert {"o_friend", "o_chat", "o_worked", "r1"} <= off


def test_loosened_limits_let_each_look_alike_back() -> None:
    # No conversation needed: the befriended-and-viewed cover friend is listed again.
    assert "o_friend" in _targets(TargetPolicy(cover=CoverContacts(min_messages=0)))
    # No view needed: the befriended-and-written-to friend is listed again.
    assert "o_chat" in _targets(TargetPolicy(cover=CoverContacts(min_views=0)))
