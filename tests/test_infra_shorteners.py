"""URL shorteners in the bundled brand list: open shorteners (including platform link wrappers
such as t.co) are suspicious, the platforms themselves stay clean."""

from __future__ import annotations

import pytest

from counterspy.infra.brands import bundled_brands
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.verdict import VerdictEngine
from counterspy.model.verdict import VerdictLabel


@pytest.fixture(scope="module")
def engine() -> VerdictEngine:
    return VerdictEngine(IndicatorIndex(), LookalikeIndex(bundled_brands()))


@pytest.mark.parametrize(
    "url",
    [
        "https://t.co/AbCdEf123",
        "https://bit.ly/3xyz",
        "http://tinyurl.com/y6abc",
        "https://goo.gl/maps/abc",
        "https://ow.ly/xyz",
        "https://is.gd/abc",
        "https://buff.ly/3abc",
        "https://rebrand.ly/abc",
        "https://cutt.ly/abc",
        "https://s.id/abc",
        "https://shorturl.at/abc",
        "https://lnkd.in/dAbC",
        "https://vk.cc/abc",
        "https://rb.gy/abc",
        "https://t.ly/abc",
        "https://bit.do/abc",
        "https://qrco.de/abc",
        "HTTPS://T.CO/AbC",  # case does not matter
        "t.co/abc",  # no scheme
    ],
)
def test_open_shorteners_are_suspicious_with_reason_shortener(
    engine: VerdictEngine, url: str
) -> None:
    v = engine.verdict(url)
    assert v.label is VerdictLabel.SUSPICIOUS, v.reasons
    assert v.reasons[0].code == "shortener"
    assert v.reasons[0].brand


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/someone/status/1",
        "https://twitter.com/someone",
        "https://pbs.twimg.com/media/x.jpg",
        "https://www.google.com/search?q=x",
        "https://www.linkedin.com/in/someone",
        "https://vk.com/id1",
        # single-destination platform short links only ever lead to the platform itself
        "https://youtu.be/abc",
        "https://amzn.to/abc",
        "https://aka.ms/abc",
    ],
)
def test_platforms_owning_a_shortener_stay_clean(engine: VerdictEngine, url: str) -> None:
    v = engine.verdict(url)
    assert v.label is VerdictLabel.CLEAN, v.reasons
    assert v.reasons[0].code == "clean.brand_domain"


def test_shortener_lookalikes_and_shortener_hosts_not_owned(engine: VerdictEngine) -> None:
    # a host that merely contains t.co is not twitter's wrapper
    assert engine.verdict("https://t.co.evil.example/x").reasons[0].code != "shortener"
    v = engine.verdict("https://bit-ly.org/x")
    assert v.label is VerdictLabel.SUSPICIOUS
    assert v.reasons[0].code == "lookalike.hyphenation"


def test_indicator_on_a_shortener_link_wins(engine: VerdictEngine) -> None:
    index = IndicatorIndex()
    index.add("url", "t.co/evil1", Provenance("indicator", "feed", "cytrox"))
    e = VerdictEngine(index, engine.lookalikes)
    assert e.verdict("https://t.co/evil1").label is VerdictLabel.MALICIOUS
    assert e.verdict("https://t.co/other").label is VerdictLabel.SUSPICIOUS


@pytest.mark.parametrize(
    ("url", "code", "brand"),
    [
        ("https://tly.link/a", "lookalike.tld_swap", "T.ly"),  # t.ly read across the dot
        ("https://tly.gr.com/a", "lookalike.cctld_imitation", "T.ly"),
        ("https://rbgy.xyz/a", "lookalike.tld_swap", "Rb.gy"),
        ("https://owly.click/a", "lookalike.tld_swap", "Ow.ly"),
    ],
)
def test_domain_hack_shortener_names_read_across_the_dot(
    engine: VerdictEngine, url: str, code: str, brand: str
) -> None:
    v = engine.verdict(url)
    assert v.label is VerdictLabel.SUSPICIOUS, v.reasons
    assert (v.reasons[0].code, v.reasons[0].brand) == (code, brand)


@pytest.mark.parametrize(
    "url",
    [
        "https://post.example/",  # po.st reads "post": an everyday word, not a key
        "https://tribal.example/",  # trib.al
        "https://qrcode.example/",  # qrco.de
        "https://tly.de/",  # the joined name on a real ccTLD is a name of its own
        "https://bitlyrics.example/",  # containment is not used for joined keys
    ],
)
def test_joined_shortener_names_leave_ordinary_names_alone(engine: VerdictEngine, url: str) -> None:
    v = engine.verdict(url)
    assert v.label is VerdictLabel.CLEAN, v.reasons


def test_joined_keys_only_for_short_shortener_names() -> None:
    by_name = {b.name: b for b in bundled_brands()}
    assert "tly" in by_name["T.ly"].joined_keys
    assert "post" not in by_name["Po.st"].joined_keys  # everyday word
    assert by_name["Bl.ink"].joined_keys == ()  # three-letter suffix: not a domain hack
    assert by_name["Google"].joined_keys == ()  # only shorteners get joined keys
    assert "googl" not in by_name["Google"].keys
