"""Session-9 target rules: a sweep needs an anchor the operation works."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids, listed_targets

DAY = T0 + timedelta(days=1)


def _reader() -> Platform:
    """op1 profiles a journalist (profile and friend list) and, seconds later, her brother;
    in another sitting it glances once each at a lawyer and an activist and, between them, at
    a passer-by — the way a reader flagged by mistake reads about protected people."""
    p = Platform()
    p.account("op1", age_days=60)
    p.account("journalist", at_risk="journalist")
    p.account("lawyer", at_risk="lawyer")
    p.account("activist", at_risk="activist")
    for name in ("brother", "passer_by"):
        p.account(name)
    p.event(DAY, "op1", "profile_view", "journalist")
    p.event(DAY + timedelta(seconds=4), "op1", "friend_list_view", "journalist")
    p.event(DAY + timedelta(seconds=11), "op1", "profile_view", "brother")
    later = DAY + timedelta(days=3)
    p.event(later, "op1", "profile_view", "lawyer")
    p.event(later + timedelta(seconds=6), "op1", "profile_view", "passer_by")
    p.event(later + timedelta(seconds=12), "op1", "profile_view", "activist")
    return p


@pytest.fixture(scope="module")
def reader() -> Platform:
    return _reader()


def test_a_look_between_single_glances_at_protected_people_is_no_sweep(
    reader: Platform,
) -> None:
    listed = listed_ids(reader, ("op1",), TargetPolicy())
    assert "passer_by" not in listed
    # The protected people themselves stay listed: the rule only concerns the sweep's outsider.
    assert {"journalist", "lawyer", "activist"} <= listed


def test_a_sweep_over_a_principal_the_operation_works_is_listed(reader: Platform) -> None:
    rows = {str(r["target_id"]): r for r in listed_targets(reader, ("op1",), TargetPolicy())}
    assert "brother" in rows
    assert "2+ targeting actions (one sweep)" in str(rows["brother"]["evidence"])


def test_any_glance_anchors_a_sweep_when_the_limit_is_one(reader: Platform) -> None:
    loose = listed_ids(reader, ("op1",), TargetPolicy(outsider_sweep_anchor_actions=1))
    assert {"brother", "passer_by"} <= loose


def test_a_stricter_anchor_refuses_the_brother(reader: Platform) -> None:
    strict = listed_ids(reader, ("op1",), TargetPolicy(outsider_sweep_anchor_actions=3))
    assert "brother" not in strict


def _glances() -> Platform:
    """op1 glances at a neighbour on day 1 and again four days later; it profiles a cousin
    and opens her friend list ten minutes apart."""
    p = Platform()
    p.account("op1", age_days=60)
    for name in ("neighbour", "cousin"):
        p.account(name)
    p.event(DAY, "op1", "profile_view", "neighbour")
    p.event(DAY + timedelta(days=4), "op1", "profile_view", "neighbour")
    p.event(DAY + timedelta(hours=2), "op1", "profile_view", "cousin")
    p.event(DAY + timedelta(hours=2, minutes=10), "op1", "friend_list_view", "cousin")
    return p


@pytest.fixture(scope="module")
def glances() -> Platform:
    return _glances()


def test_two_glances_days_apart_are_not_listed_when_the_rule_is_on(glances: Platform) -> None:
    listed = listed_ids(glances, ("op1",), TargetPolicy(outsider_glance_hours=72))
    assert "neighbour" not in listed
    assert "cousin" in listed


def test_two_glances_are_listed_by_default_the_rule_is_off(glances: Platform) -> None:
    assert {"neighbour", "cousin"} <= listed_ids(glances, ("op1",), TargetPolicy())


def test_a_wider_glance_window_admits_the_neighbour(glances: Platform) -> None:
    wide = listed_ids(glances, ("op1",), TargetPolicy(outsider_glance_hours=120))
    assert {"neighbour", "cousin"} <= wide


def test_a_third_look_or_a_second_member_is_no_pair_of_glances() -> None:
    p = _glances()
    p.account("op2", age_days=60)
    p.account("aunt")
    p.event(DAY, "op1", "profile_view", "aunt")
    p.event(DAY + timedelta(days=4), "op2", "profile_view", "aunt")
    p.event(DAY + timedelta(days=8), "op1", "profile_view", "neighbour")
    on = listed_ids(p, ("op1", "op2"), TargetPolicy(outsider_glance_hours=72))
    assert {"neighbour", "aunt"} <= on
