"""A principal's circle: one look at someone close to an at-risk target is targeting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids


def _targets(policy: TargetPolicy) -> set[str]:
    p = Platform()
    p.account("op1", age_days=60)
    p.account("journalist", at_risk="journalist")
    p.account("lawyer", at_risk="human_rights_defender")
    for t in ("sister", "glanced", "friend", "lawyers_friend"):
        p.account(t)
    before = T0 - timedelta(days=10)
    # The principal's circle: the sister writes to the journalist, who reacts back.
    p.event(before, "sister", "message", "journalist")
    p.event(before + timedelta(hours=2), "journalist", "reaction", "sister")
    # Ordinary ties that lead to no at-risk account the operation acted on.
    p.event(before, "glanced", "message", "friend")
    p.event(before, "lawyers_friend", "message", "lawyer")
    ts = T0 + timedelta(days=1)
    p.event(ts, "op1", "profile_view", "journalist")
    p.event(ts + timedelta(minutes=5), "op1", "friend_list_view", "journalist")
    # One look each.
    p.event(ts + timedelta(minutes=9), "op1", "profile_view", "sister")
    p.event(ts + timedelta(days=2), "op1", "profile_view", "glanced")
    p.event(ts + timedelta(days=3), "op1", "profile_view", "lawyers_friend")
    return listed_ids(p, ("op1",), policy)


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return _targets(TargetPolicy())


def test_one_look_at_the_principals_circle_is_listed(listed: set[str]) -> None:
    assert {"journalist", "sister"} <= listed


def test_one_look_without_a_tie_to_the_operations_principal_is_not(listed: set[str]) -> None:
    # A glance at someone tied to nobody at risk, or to an at-risk person the operation
    # never acted on, stays under the two-action minimum.
    assert "glanced" not in listed
    assert "lawyers_friend" not in listed


def test_off_needs_two_actions() -> None:
    off = _targets(TargetPolicy(outsider_single_look_in_circle=False))
    assert "sister" not in off
    assert "journalist" in off


def test_loosened_minimum_admits_the_look_alikes() -> None:
    loose = _targets(TargetPolicy(min_targeting_actions=1))
    assert {"sister", "glanced", "lawyers_friend"} <= loose
