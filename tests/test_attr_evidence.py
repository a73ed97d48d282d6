"""Attribution evidence added in session 5: link domain styles from the reference brand list
and the phase mix of small pieces."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from counterspy.attribute import attribute_operations, load_profiles
from counterspy.attribute.features import domain_style
from counterspy.attribute.scoring import AttributionPolicy
from tests.attr_fixtures import evidence_scores, make_op


@pytest.mark.parametrize(
    ("domain", "style"),
    [
        # News outlets outside the detector's short brand list, from the reference list.
        ("washingtonpost.page", "news"),
        ("wahsingtonpost.world", "news"),
        ("foxnews.us.net", "news"),
        # The detector's own list still decides first.
        ("instagam.click", "platform"),
        ("bit-ly.org", "shortener"),
        ("gmail.rs.net", "webmail"),
    ],
)
def test_domain_style_reads_the_kind_of_site_imitated(domain: str, style: str) -> None:
    assert domain_style(domain) == style


@pytest.mark.parametrize("domain", ["fileaccess.site", "surveyread42.com", "gosurvey17.net"])
def test_domain_style_leaves_names_imitating_no_brand_unknown(domain: str) -> None:
    assert domain_style(domain) == "unknown"


def test_news_lookalikes_separate_a_news_impersonating_firm() -> None:
    # An operation sending links on news lookalikes, personas claiming the US: before the
    # reference list these domains were "unknown" and the US personas made it Cobwebs.
    doms = ("wahsingtonpost.world", "foxnews.us.net", "washingtonpost.page")
    f = make_op(
        n_accounts=7,
        phase_counts={"reconnaissance": 65, "engagement": 29, "exploitation": 18},
        claimed_countries=Counter({"US": 7}),
        locales=("en-US",) * 7,
        domains=dict.fromkeys(doms),
        domain_styles=Counter(domain_style(d) for d in doms),
    )
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "bluehawk"
    # The same operation with links on names that imitate nothing stays with no news firm.
    g = make_op(
        n_accounts=7,
        phase_counts={"reconnaissance": 65, "engagement": 29, "exploitation": 18},
        claimed_countries=Counter({"US": 7}),
        locales=("en-US",) * 7,
        domains=dict.fromkeys(("fileaccess.site", "doc-share.top")),
        domain_styles=Counter({"unknown": 2}),
    )
    (b,) = attribute_operations([g], load_profiles())
    assert b.firm != "bluehawk"


def test_phase_mix_of_a_small_piece_counts_less() -> None:
    # Two link senders of a larger operation: an exploitation-only mix fits the China
    # profile exactly, but two accounts are a noisy reading of their operation's mix.
    links = {"reconnaissance": 0, "engagement": 0, "exploitation": 12}
    pol = AttributionPolicy()
    small = evidence_scores(make_op(n_accounts=2, phase_counts=links), "china_unknown", pol)
    full = evidence_scores(make_op(n_accounts=5, phase_counts=links), "china_unknown", pol)
    assert full["phase mix"] == pytest.approx(pol.phase_weight)
    assert small["phase mix"] == pytest.approx(pol.phase_weight * 2 / 5)
    # Off (0), the small piece's mix counts in full.
    off = AttributionPolicy(phase_full_accounts=0)
    assert evidence_scores(make_op(n_accounts=2, phase_counts=links), "china_unknown", off)[
        "phase mix"
    ] == pytest.approx(off.phase_weight)


def test_small_link_piece_is_read_by_its_personas_more_than_its_mix() -> None:
    # Two BellTroX link senders: one persona in Australia (a reported BellTroX target
    # country), platform and shortener lookalikes.
    f = make_op(
        n_accounts=2,
        phase_counts={"reconnaissance": 0, "engagement": 0, "exploitation": 8},
        claimed_countries=Counter({"AU": 1, "GB": 1}),
        locales=("en-AU", "en-GB"),
        domains=dict.fromkeys(("icloud-com.me", "ow-ly.me")),
        domain_styles=Counter({"platform": 1, "shortener": 1}),
    )
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "belltrox"
    (b,) = attribute_operations([f], load_profiles(), AttributionPolicy(phase_full_accounts=0))
    # Counting the two accounts' exploitation-only mix in full, it no longer reads as BellTroX.
    assert b.firm != "belltrox"


def test_uyghur_diaspora_link_senders_read_as_the_china_entity() -> None:
    # Link senders claiming Turkey and the US, writing to people in Kazakhstan, Turkey, the US
    # and Pakistan with fresh (unbranded) domains: the Uyghur diaspora Meta's March 2021 report
    # names. The China profile's diaspora countries make it specific enough to name.
    f = make_op(
        n_accounts=3,
        phase_counts={"reconnaissance": 1, "engagement": 0, "exploitation": 23},
        claimed_countries=Counter({"TR": 2, "US": 1}),
        target_countries=Counter({"KZ": 1, "TR": 1, "US": 2, "PK": 2}),
        locales=("tr-TR", "tr-TR", "en-US"),
        domain_styles=Counter({"unknown": 2, "webmail": 1}),
    )
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "china_unknown"
    assert "claim its reported target/customer countries (TR)" in a.rationale
    # Without the diaspora countries the same operation has nothing beyond its phase mix.
    bare = tuple(
        replace(p, target_countries=frozenset({"CN", "MM", "HK"}))
        if p.firm == "china_unknown"
        else p
        for p in load_profiles()
    )
    (b,) = attribute_operations([f], bare)
    assert b.firm == "unattributed"
    assert "0.00 beyond the phase mix" in b.rationale
