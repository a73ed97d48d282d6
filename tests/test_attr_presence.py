"""Attribution evidence read by presence (session 6): one bad link contradicts a firm never
reported to send any; one page is a fake media entity."""

from __future__ import annotations

from collections import Counter

import pytest

from counterspy.attribute import attribute_operations, load_profiles
from counterspy.attribute.features import OperationFeatures
from counterspy.attribute.scoring import AttributionPolicy
from counterspy.model import UNATTRIBUTED
from tests.attr_fixtures import evidence_scores, make_op

SHARE_READING = AttributionPolicy(contradiction_links=0, media_pages=0)


def _one_link_piece(links: int) -> OperationFeatures:
    # Personas claiming the UK (a reported Black Cube target country), mostly reconnaissance
    # with some engagement, and ``links`` bad links among ~35 phase actions.
    return make_op(
        n_accounts=6,
        phase_counts={"reconnaissance": 26, "engagement": 8, "exploitation": links},
        claimed_countries=Counter({"GB": 4, "YE": 2}),
        target_countries=Counter({"GB": 2, "FR": 2, "IN": 2}),
        locales=("en-GB",) * 4 + ("ar-YE",) * 2,
        domains={"fileaccess.site": None} if links else {},
        domain_styles=Counter({"unknown": 1}) if links else Counter(),
    )


def test_one_bad_link_contradicts_a_firm_that_never_sends_links() -> None:
    f = _one_link_piece(links=1)
    pol = AttributionPolicy()
    assert evidence_scores(f, "black_cube", pol)["unexplained links"] == pytest.approx(
        -pol.contradiction_weight
    )
    # A firm reported to send links is not contradicted.
    assert evidence_scores(f, "bluehawk", pol)["unexplained links"] == 0.0
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm != "black_cube"
    assert "never reported to send links" in a.rationale or a.firm == UNATTRIBUTED
    # Read by the links' share of actions (1 of 35: a fifth of the penalty), the same piece
    # was named Black Cube.
    (b,) = attribute_operations([f], load_profiles(), SHARE_READING)
    assert b.firm == "black_cube"


def test_the_same_piece_without_links_stays_black_cube() -> None:
    f = _one_link_piece(links=0)
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "black_cube"
    assert evidence_scores(f, "black_cube", AttributionPolicy())["unexplained links"] == 0.0


def test_more_links_do_not_deepen_the_contradiction() -> None:
    pol = AttributionPolicy()
    one = evidence_scores(_one_link_piece(links=1), "cobwebs", pol)["unexplained links"]
    many = evidence_scores(_one_link_piece(links=9), "cobwebs", pol)["unexplained links"]
    assert one == many == pytest.approx(-pol.contradiction_weight)


def _media_piece(pages: int) -> OperationFeatures:
    # Five accounts (personas claiming Yemen, none a reported country of any firm), one of
    # them a page; reconnaissance and engagement with three bad links on a name that imitates
    # nothing; one persona in Hebrew.
    return make_op(
        n_accounts=5,
        phase_counts={"reconnaissance": 62, "engagement": 50, "exploitation": 3},
        claimed_countries=Counter({"YE": 5}),
        target_countries=Counter({"DE": 2, "TR": 2, "IN": 2, "HU": 1}),
        page_share=pages / 5,
        locales=("ar-YE",) * 4 + ("he-IL",),
        domains={"wikipedia-org.com.co": None},
        domain_styles=Counter({"unknown": 1}),
    )


def test_one_page_is_a_fake_media_entity() -> None:
    f = _media_piece(pages=1)
    pol = AttributionPolicy()
    assert evidence_scores(f, "bluehawk", pol)["media entities"] == pytest.approx(pol.media_weight)
    # Firms never reported to run fake media get nothing for it.
    assert evidence_scores(f, "cytrox", pol)["media entities"] == 0.0
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "bluehawk"
    assert "1 of 5 accounts is a page" in a.rationale
    # By the share of pages (a fifth of the weight) it stayed unattributed.
    (b,) = attribute_operations([f], load_profiles(), SHARE_READING)
    assert b.firm == UNATTRIBUTED


def test_the_same_piece_without_a_page_is_not_named_bluehawk() -> None:
    (a,) = attribute_operations([_media_piece(pages=0)], load_profiles())
    assert a.firm != "bluehawk"


def test_a_page_does_not_take_a_link_heavy_operation_from_cytrox() -> None:
    # A Cytrox-like piece: mostly links on platform and news lookalikes, personas in
    # Macedonian and claiming Egypt and Greece, one page among them.
    doms = ("instagam.click", "kathimerini.news", "bit-ly.org")
    f = make_op(
        n_accounts=5,
        phase_counts={"reconnaissance": 20, "engagement": 0, "exploitation": 30},
        claimed_countries=Counter({"EG": 3, "GR": 2}),
        target_countries=Counter({"EG": 3, "GR": 2}),
        page_share=1 / 5,
        locales=("mk-MK", "mk-MK", "ar-EG", "el-GR", "ar-EG"),
        domains=dict.fromkeys(doms),
        domain_styles=Counter({"platform": 1, "news": 1, "shortener": 1}),
    )
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "cytrox"
