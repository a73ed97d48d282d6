"""A single look from abroad at a person in the principals' country is targeting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids, listed_targets


def _targets(policy: TargetPolicy) -> set[str]:
    p = Platform()
    # The operation's account lives in Israel; its principal, a journalist, in Mexico.
    p.account("op1", age_days=60, country="IL")
    p.account("journalist", at_risk="journalist", country="MX")
    p.account("brother", country="MX")  # the principal's circle, looked at once
    p.account("neighbour", country="IL")  # a local stranger glanced at (cover)
    p.account("tourist", country="FR")  # abroad, but nowhere the operation's principals live
    ts = T0 + timedelta(days=1)
    p.event(ts, "op1", "profile_view", "journalist")
    p.event(ts + timedelta(minutes=5), "op1", "friend_list_view", "journalist")
    p.event(ts + timedelta(days=1), "op1", "profile_view", "brother")
    p.event(ts + timedelta(days=2), "op1", "profile_view", "neighbour")
    p.event(ts + timedelta(days=3), "op1", "profile_view", "tourist")
    return listed_ids(p, ("op1",), policy)


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return _targets(TargetPolicy(outsider_single_look_abroad=True))


def test_one_look_from_abroad_in_the_principals_country_is_listed(listed: set[str]) -> None:
    assert {"journalist", "brother"} <= listed


def test_one_look_at_home_or_elsewhere_is_not(listed: set[str]) -> None:
    assert "neighbour" not in listed
    assert "tourist" not in listed


def test_off_by_default_needs_two_actions() -> None:
    assert TargetPolicy().outsider_single_look_abroad is False
    off = _targets(TargetPolicy())
    assert "brother" not in off
    assert "journalist" in off


def test_loosened_minimum_admits_the_look_alikes() -> None:
    loose = _targets(TargetPolicy(min_targeting_actions=1))
    assert {"brother", "neighbour", "tourist"} <= loose


def _one_glance(member_country: str | None) -> Platform:
    """A member of ``member_country`` profiles a journalist in Mexico and glances once at
    another Mexican account ("other")."""
    p = Platform()
    p.account("op1", age_days=60)
    p.accounts[-1]["country"] = member_country
    p.account("journalist", at_risk="journalist", country="MX")
    p.account("other", country="MX")
    ts = T0 + timedelta(days=1)
    p.event(ts, "op1", "profile_view", "journalist")
    p.event(ts + timedelta(minutes=5), "op1", "friend_list_view", "journalist")
    p.event(ts + timedelta(days=1), "op1", "profile_view", "other")
    return p


def test_a_member_of_unknown_country_is_not_abroad() -> None:
    """An export without the member's country says nothing about where it looks from: its
    single look at a person in the principals' country stays cover."""
    p = _one_glance(None)
    listed = listed_ids(p, ("op1",), TargetPolicy(outsider_single_look_abroad=True))
    assert "journalist" in listed
    assert "other" not in listed
    # A single look counts at all only through the abroad rule: one action admits it.
    assert "other" in listed_ids(p, ("op1",), TargetPolicy(min_targeting_actions=1))


def test_the_evidence_names_the_single_look_from_abroad() -> None:
    p = _one_glance("IL")
    listed = listed_targets(p, ("op1",), TargetPolicy(outsider_single_look_abroad=True))
    rows = {str(r["target_id"]): str(r["evidence"]) for r in listed}
    assert "single look from abroad" in rows["other"]
    assert "single look from abroad" not in rows["journalist"]
