"""Campaign recipients: links on an operation's own domains from senders it did not flag."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from counterspy.detect.campaign import CampaignRecipients
from counterspy.detect.targets import TargetPolicy
from tests.detect_fixtures import T0, Platform, listed_targets

MEMBERS = ("op1", "op2")
OWN = "https://doc-view7.info/d/"  # the operation's throw-away domain, judged by nobody
NEWS = "https://ft.com/content/"  # a real newspaper (a bundled brand's site)


def _platform() -> Platform:
    p = Platform()
    for a in (*MEMBERS, "missed", "stranger"):
        p.account(a, age_days=60)
    for t in ("r1", "r2", "o_victim", "o_reader", "o_friend"):
        p.account(t)
    ts = T0 + timedelta(days=1)
    # Two members send the operation's domain to their targets, and share a newspaper.
    p.event(ts, "op1", "message", "r1", url=OWN + "1")
    p.event(ts, "op2", "message", "r2", url=OWN + "2")
    p.event(ts, "op1", "link_share", url=NEWS + "a")
    p.event(ts, "op2", "link_share", url=NEWS + "b")
    # An exploitation persona the pipeline did not flag sends the same domain to o_victim.
    p.event(ts + timedelta(hours=2), "missed", "message", "o_victim", url=OWN + "3")
    # Someone else shares the newspaper with o_reader: the newspaper is nobody's campaign.
    p.event(ts + timedelta(hours=3), "stranger", "link_share", "o_reader", url=NEWS + "c")
    # A member's cover: a newspaper link onto a friend's timeline (not a campaign link).
    p.event(ts + timedelta(hours=4), "op1", "link_share", "o_friend", url=NEWS + "d")
    # The unflagged sender also writes to a member: operators are never targets.
    p.event(ts + timedelta(hours=5), "missed", "message", "op2", url=OWN + "4")
    return p


def _rows(policy: TargetPolicy) -> dict[str, dict[str, object]]:
    listed = listed_targets(_platform(), MEMBERS, policy, firm="cytrox")
    return {str(r["target_id"]): r for r in listed}


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, object]]:
    return _rows(TargetPolicy())


def test_a_campaign_link_from_an_unflagged_sender_lists_its_recipient(
    rows: dict[str, dict[str, object]],
) -> None:
    victim = rows["o_victim"]
    assert victim["phase"] == "exploitation"
    assert victim["firm"] == "cytrox"
    assert victim["n_operators"] == 0
    evidence = str(victim["evidence"])
    assert "doc-view7.info" in evidence
    assert "missed" in evidence
    assert "not flagged" in evidence


def test_a_newspapers_readers_are_not_listed(rows: dict[str, dict[str, object]]) -> None:
    assert "o_reader" not in rows
    assert "o_friend" not in rows
    # Without the brand exclusion the newspaper (three senders, two of them members) reads
    # as the operation's own domain: its reader and the member's friend are listed.
    loose = _rows(TargetPolicy(own_domain_excludes_brands=False))
    assert {"o_reader", "o_friend"} <= set(loose)


def test_operators_are_never_campaign_targets(rows: dict[str, dict[str, object]]) -> None:
    assert not set(MEMBERS) & set(rows)


def test_off_leaves_the_recipient_out() -> None:
    off = _rows(TargetPolicy(campaign=CampaignRecipients(enabled=False)))
    assert "o_victim" not in off
    assert {"r1", "r2"} <= set(off)  # the members' own recipients stay listed


def test_a_domain_many_accounts_send_is_no_campaign() -> None:
    # Tightening the own-domain sender limit below the domain's three senders (two members
    # and the missed persona) makes it an ordinary domain: the recipient is not listed.
    tight = _rows(replace(TargetPolicy(), own_domain_max_senders=2))
    assert "o_victim" not in tight
