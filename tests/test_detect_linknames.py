"""Protected-brand names: a rare link domain that spells a brand of the infrastructure brand
list, sent to someone in the protection programme (docs/detection.md, "Protected-brand names")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.linknames import COUNTRY_STYLE, brand_imitation
from counterspy.detect.links import LinkHeuristic
from counterspy.detect.pipeline import DetectionConfig, run_detection
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, build_platform, domain_stats_frame

# The planted cases: one persona's one link on a shortener's name under another TLD, and on a
# shortener's name before a country-style parent (Predator's `bit-ly.org` style), each to one
# person in the protection programme. Then the look-alikes, each one limit (or the name) away.
PLANTED = ("rebrand.co", 1, 1, 1)
COUNTRY = ("bit.rs.org", 1, 1, 1)
LOOKALIKES = {
    # A newspaper's name glued to a word, but no at-risk recipient (a name spelled out whole,
    # youm7.cc, is judged on any recipient: tests/test_detect_linkspelled.py).
    "no_at_risk": ("ahram-login.me", 1, 1, 0),
    "busy": ("sabq.page", 11, 14, 1),  # 11 senders: not one operation's
    "everyday_brand": ("login-account.com", 1, 1, 1),  # Login.gov's name is a word
    "compound": ("daily-mail.ps", 1, 1, 1),  # daily + mail: a name, not Daily Mail's
    "typo": ("mediaart.ve", 1, 1, 1),  # media + art, one letter from Mediapart
    "official": ("rebrand.ly", 1, 1, 1),  # the shortener's own domain
}


def _h(**limits: int | bool) -> LinkHeuristic:
    """The heuristic without its "popular on this platform" references: in an eight-domain
    frame every domain is among the 50 most sent, and rebrand.co would make rebrand.ly a
    lookalike of it."""
    return replace(LinkHeuristic(popular_top_n=0), **limits)


def _judged(h: LinkHeuristic) -> dict[str, tuple[str, str]]:
    bad = h.judge(domain_stats_frame(PLANTED, COUNTRY, *LOOKALIKES.values()))
    return {
        d: (lab, r) for d, lab, r in zip(bad["domain"], bad["label"], bad["reason"], strict=True)
    }


def test_the_planted_names_are_judged_malicious_and_say_why() -> None:
    judged = _judged(_h())
    assert set(judged) == {"rebrand.co", "bit.rs.org"}
    assert judged["rebrand.co"] == (
        "malicious",
        "imitates Rebrandly (rebrand.co uses the name of Rebrandly on a domain it does not own)"
        "; rare domain (1 senders, max 10) sent to 1 at-risk people (min 1)",
    )
    label, reason = judged["bit.rs.org"]
    assert label == "malicious"
    assert reason.startswith("imitates Bitly (bit.rs.org puts the name of Bitly before a")
    # Before this rule the built-in heuristic judged neither (one sender, one recipient).
    assert _judged(_h(named_max_senders=0, spelled_max_senders=0)) == {}
    # The country-style reading is its own switch.
    assert set(_judged(_h(country_style_names=False, spelled_max_senders=0))) == {"rebrand.co"}


@pytest.mark.parametrize(
    ("name", "loosened"),
    [
        ("no_at_risk", _h(named_min_at_risk_recipients=0)),
        ("busy", _h(named_max_senders=11)),
    ],
)
def test_each_lookalike_is_refused_by_its_own_limit(name: str, loosened: LinkHeuristic) -> None:
    domain = LOOKALIKES[name][0]
    assert domain not in _judged(_h())
    assert domain in _judged(loosened)
    assert _judged(loosened)[domain][0] == "malicious"


@pytest.mark.parametrize("name", ["everyday_brand", "compound", "typo", "official"])
def test_ordinary_names_are_refused_at_any_limit(name: str) -> None:
    domain = LOOKALIKES[name][0]
    loose = _h(named_max_senders=1000, named_min_at_risk_recipients=0, spelled_max_senders=1000)
    assert domain not in _judged(loose)
    assert brand_imitation(domain) is None


@pytest.mark.parametrize(
    ("host", "code", "brand"),
    [
        ("youm7.cc", "lookalike.tld_swap", "Youm7"),
        ("rebrand-ly.site", "lookalike.hyphenation", "Rebrandly"),
        ("ahram-login.me", "lookalike.combosquat", "Al-Ahram"),
        ("kha.leejtimes.org", "lookalike.split_host", "Khaleej Times"),
        ("tiny.am.com", "lookalike.subdomain_brand", "Tiny.cc"),
        ("goo.am.org", COUNTRY_STYLE, "Google URL Shortener (goo.gl)"),
    ],
)
def test_brand_imitation_names_the_brand(host: str, code: str, brand: str) -> None:
    found = brand_imitation(host)
    assert found is not None
    assert (found.code, found.brand) == (code, brand)


@pytest.mark.parametrize(
    "host",
    [
        "bit.ly",  # the brand's own
        "www.bit.ly",  # a subdomain of the brand's own
        "news-verify.ye",  # News.am's name is a word
        "golink.me",  # go + link
        "bit.example.org",  # a brand before an ordinary (not two-letter) parent
        "bit.rs",  # a two-letter country TLD is not a generic parent
        "t.om.com",  # one-letter names match everything
    ],
)
def test_ordinary_hosts_imitate_nothing(host: str) -> None:
    assert brand_imitation(host) is None


# ------------------------------------------------------------------------------ pipeline


@pytest.mark.slow
def test_a_persona_sending_one_brand_name_link_is_flagged(tmp_path: Path) -> None:
    """One link, one at-risk recipient, no other behaviour: flagged by the name verdict only."""
    p = build_platform()
    target = p.account("gr-journalist", at_risk="journalist", country="GR")
    other = p.account("gr-reader", country="GR")
    persona = p.account("cx0", age_days=200)
    bystander = p.account("bx0", age_days=900)
    p.event(T0 + timedelta(days=4), persona, "message", target, url="https://rebrand.co/r/7ff")
    # The same kind of name sent to someone outside the protection programme stays unjudged
    # (a combosquat: a name spelled out whole, tiny-cc.email, would be judged on anyone).
    p.event(T0 + timedelta(days=5), bystander, "message", other, url="https://tiny-login.email/a")
    p.write(tmp_path)
    r = run_detection(load_tables(connect("duckdb"), Workspace(tmp_path)), DetectionConfig())
    bad = dict(zip(r.bad_domains["domain"], r.bad_domains["label"], strict=True))
    assert bad.get("rebrand.co") == "malicious"
    assert "tiny-login.email" not in bad
    flagged = set(r.accounts[r.accounts["flagged"]]["account_id"])
    assert persona in flagged
    assert bystander not in flagged
    row = r.signals[(r.signals["account_id"] == persona)].iloc[0]
    assert "imitates Rebrandly" in row["evidence"]
    off = run_detection(
        load_tables(connect("duckdb"), Workspace(tmp_path)),
        DetectionConfig(links=LinkHeuristic(named_max_senders=0, spelled_max_senders=0)),
    )
    assert persona not in set(off.accounts[off.accounts["flagged"]]["account_id"])
