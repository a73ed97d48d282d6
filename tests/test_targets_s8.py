"""Session-8 target rules: protected people need an approach, sweeps, crowds an operation works."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids, listed_targets

DAY = T0 + timedelta(days=1)


def _protected(policy: TargetPolicy) -> set[str]:
    """An operation's account looks at one journalist, writes to a lawyer, sends a link to an
    activist, and only likes, comments on, follows or accepts the friend request of four
    other protected people."""
    p = Platform()
    p.account("op1", age_days=60)
    for name, cat in (
        ("j_viewed", "journalist"),
        ("l_written", "lawyer"),
        ("a_linked", "activist"),
        ("j_liked", "journalist"),
        ("j_commented", "journalist"),
        ("p_followed", "politician"),
        ("h_accepted", "human_rights_defender"),
    ):
        p.account(name, at_risk=cat)
    p.event(DAY, "op1", "profile_view", "j_viewed")
    p.event(DAY, "op1", "message", "l_written")
    p.event(DAY, "op1", "link_share", "a_linked", url="https://news.example.org/story")
    p.event(DAY, "op1", "reaction", "j_liked")
    p.event(DAY, "op1", "comment", "j_commented")
    p.event(DAY, "op1", "follow", "p_followed")
    p.event(DAY, "h_accepted", "friend_request", "op1")
    p.event(DAY + timedelta(hours=2), "op1", "friend_accept", "h_accepted")
    return listed_ids(p, ("op1",), policy)


def test_protected_people_approached_are_listed() -> None:
    listed = _protected(TargetPolicy())
    assert {"j_viewed", "l_written", "a_linked"} <= listed


def test_protected_people_only_liked_or_followed_are_not() -> None:
    listed = _protected(TargetPolicy())
    assert not {"j_liked", "j_commented", "p_followed", "h_accepted"} & listed


def test_without_the_approach_rule_any_event_lists_them() -> None:
    off = _protected(TargetPolicy(protected_need_an_approach=False))
    assert {"j_liked", "j_commented", "p_followed", "h_accepted"} <= off


def _sweep() -> Platform:
    """A member profiles a journalist and, seconds later, her brother; an hour later it
    glances at a neighbour, and the next day at a colleague: single looks each."""
    p = Platform()
    p.account("op1", age_days=60)
    p.account("journalist", at_risk="journalist")
    for name in ("brother", "neighbour", "colleague", "stranger"):
        p.account(name)
    p.event(DAY, "op1", "profile_view", "journalist")
    p.event(DAY + timedelta(seconds=4), "op1", "friend_list_view", "journalist")
    p.event(DAY + timedelta(seconds=11), "op1", "profile_view", "brother")
    p.event(DAY + timedelta(hours=1), "op1", "profile_view", "neighbour")
    p.event(DAY + timedelta(days=1), "op1", "profile_view", "colleague")
    # Another account's look at the journalist is no sweep of op1's.
    p.account("other", age_days=900)
    p.event(DAY + timedelta(days=1, seconds=5), "other", "profile_view", "journalist")
    # A look seconds after a look at a protected person op1 did not look at.
    p.account("judge", at_risk="lawyer")
    p.event(DAY + timedelta(days=2), "op1", "reaction", "judge")
    p.event(DAY + timedelta(days=2, seconds=3), "op1", "profile_view", "stranger")
    return p


@pytest.fixture(scope="module")
def sweep() -> Platform:
    return _sweep()


def test_a_look_inside_a_sweep_over_a_protected_person_is_listed(sweep: Platform) -> None:
    rows = listed_targets(sweep, ("op1",), TargetPolicy())
    by_id = {str(r["target_id"]): r for r in rows}
    assert "brother" in by_id
    assert "one sweep" in str(by_id["brother"]["evidence"])
    assert "within 15 s" in str(by_id["brother"]["evidence"])


def test_single_looks_outside_a_sweep_are_not(sweep: Platform) -> None:
    listed = listed_ids(sweep, ("op1",), TargetPolicy())
    assert not {"neighbour", "colleague"} & listed
    # A reaction to a protected person is no look: the look after it is no sweep.
    assert "stranger" not in listed


def test_a_tighter_sweep_window_refuses_the_brother(sweep: Platform) -> None:
    assert "brother" not in listed_ids(sweep, ("op1",), TargetPolicy(outsider_sweep_seconds=5))
    assert "brother" not in listed_ids(sweep, ("op1",), TargetPolicy(outsider_sweep_seconds=None))


def test_a_wide_sweep_window_admits_the_look_alike(sweep: Platform) -> None:
    wide = listed_ids(sweep, ("op1",), TargetPolicy(outsider_sweep_seconds=7200))
    assert {"brother", "neighbour"} <= wide
    assert "colleague" not in wide


def test_the_sweep_rule_keeps_the_other_outsider_rules(sweep: Platform) -> None:
    """A page looked at inside a sweep is still a page, not a person."""
    p = _sweep()
    p.account("page")
    p.accounts[-1]["account_type"] = "page"
    p.event(DAY + timedelta(seconds=8), "op1", "profile_view", "page")
    assert "page" not in listed_ids(p, ("op1",), TargetPolicy())


def _crowd(n_visitors: int) -> Platform:
    """A person many accounts look at: two members profile and write to her; one member
    glances at and writes to a celebrity everyone looks at."""
    p = Platform()
    for m in ("op1", "op2"):
        p.account(m, age_days=60)
    p.account("worked")
    p.account("celebrity")
    for i in range(n_visitors):
        v = p.account(f"fan{i:03d}", age_days=900)
        p.event(DAY - timedelta(hours=i + 1), v, "profile_view", "worked")
        p.event(DAY - timedelta(hours=i + 1), v, "profile_view", "celebrity")
    p.event(DAY, "op1", "profile_view", "worked")
    p.event(DAY + timedelta(hours=1), "op1", "friend_list_view", "worked")
    p.event(DAY + timedelta(days=1), "op2", "profile_view", "worked")
    p.event(DAY + timedelta(days=1, hours=1), "op2", "message", "worked")
    p.event(DAY, "op1", "profile_view", "celebrity")
    p.event(DAY + timedelta(days=1), "op1", "message", "celebrity")
    return p


@pytest.fixture(scope="module")
def crowd() -> Platform:
    return _crowd(60)


def test_a_crowd_two_members_worked_is_listed(crowd: Platform) -> None:
    rows = listed_targets(crowd, ("op1", "op2"), TargetPolicy())
    by_id = {str(r["target_id"]): r for r in rows}
    assert "worked" in by_id
    assert "2 of this operation's accounts took targeting actions" in str(
        by_id["worked"]["evidence"]
    )


def test_one_member_in_a_crowd_is_one_of_the_crowd(crowd: Platform) -> None:
    assert "celebrity" not in listed_ids(crowd, ("op1", "op2"), TargetPolicy())


def test_without_the_exception_the_crowd_rule_refuses_both(crowd: Platform) -> None:
    off = listed_ids(crowd, ("op1", "op2"), TargetPolicy(outsider_crowd_members=None))
    assert not {"worked", "celebrity"} & off
    loose = listed_ids(crowd, ("op1", "op2"), TargetPolicy(outsider_crowd_members=1))
    assert {"worked", "celebrity"} <= loose
