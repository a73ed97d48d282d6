"""Target rules for cover accounts: social engagement with an outsider's content, and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counterspy.detect.base import STORED_ONLY_ACCOUNT_COLUMNS
from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_ids

BAD = "instagam.click"


def _platform() -> Platform:
    p = Platform()
    for a in ("op1", "op2"):
        p.account(a, age_days=60)
    for t in ("o_target", "o_cover", "o_cover_linked", "page", "page_linked"):
        p.account(t)
    p.account("r_social", at_risk="journalist")
    for row in p.accounts:
        if row["account_id"].startswith("page"):
            row["account_type"] = "page"
    ts = T0 + timedelta(days=1)
    # A target: profiled, then approached.
    p.event(ts, "op1", "profile_view", "o_target")
    p.event(ts + timedelta(hours=1), "op1", "message", "o_target")
    # Cover: the same look and message, plus likes and a comment on its posts.
    p.event(ts, "op1", "profile_view", "o_cover")
    p.event(ts + timedelta(hours=1), "op1", "message", "o_cover")
    p.event(ts + timedelta(hours=2), "op2", "reaction", "o_cover")
    p.event(ts + timedelta(hours=3), "op2", "comment", "o_cover")
    # Liked, but also sent a bad link: exploitation whatever else happened.
    p.event(ts, "op1", "reaction", "o_cover_linked")
    p.event(ts + timedelta(hours=1), "op1", "message", "o_cover_linked", url=f"https://{BAD}/a")
    # An at-risk person liked and profiled: the protection programme is exempt.
    p.event(ts, "op1", "profile_view", "r_social")
    p.event(ts, "op1", "reaction", "r_social")
    # A page looked at twice and written to; another page sent a bad link.
    p.event(ts, "op1", "profile_view", "page")
    p.event(ts + timedelta(hours=1), "op2", "profile_view", "page")
    p.event(ts + timedelta(hours=2), "op2", "message", "page")
    p.event(ts, "op2", "message", "page_linked", url=f"https://{BAD}/b")
    return p


def _targets(policy: TargetPolicy, *, stored_only: bool = False) -> set[str]:
    return listed_ids(
        _platform(), ("op1", "op2"), policy, bad_domains=(BAD,), stored_only=stored_only
    )


@pytest.fixture(scope="module")
def listed() -> set[str]:
    return _targets(TargetPolicy())


def test_an_outsider_whose_posts_members_like_is_cover(listed: set[str]) -> None:
    assert "o_target" in listed
    assert "o_cover" not in listed
    # Loosened, the look-alike is admitted: the rule is what keeps it out.
    assert "o_cover" in _targets(TargetPolicy(outsider_social_is_cover=False))


def test_a_bad_link_or_the_protection_programme_overrides_social_cover(listed: set[str]) -> None:
    assert "o_cover_linked" in listed
    assert "r_social" in listed


def test_pages_are_listed_only_with_a_bad_link(listed: set[str]) -> None:
    assert "page" not in listed
    assert "page_linked" in listed
    assert "page" in _targets(TargetPolicy(outsiders_are_people=False))


def test_the_pages_rule_reads_account_kinds_from_the_stored_accounts(listed: set[str]) -> None:
    # The pipeline's cache of the accounts leaves out their kind; the rule must still see it.
    assert "account_type" in STORED_ONLY_ACCOUNT_COLUMNS
    assert _targets(TargetPolicy(), stored_only=True) == listed
