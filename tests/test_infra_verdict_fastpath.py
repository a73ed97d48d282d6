"""The hot loop of VerdictEngine.check_many against the careful parser, and the Verdict type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterspy.infra.brands import parse_brands_csv
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.urls import parse_url
from counterspy.infra.verdict import VerdictEngine
from counterspy.model.verdict import Reason, Verdict, VerdictLabel

BRANDS = """name,category,country,domains,aliases,flags
PayPal,payments,INT,paypal.com,,global
Bitly,shortener,INT,bitly.com bit.ly,,shortener
Kathimerini,news,GR,kathimerini.gr,,
"""

URLS = [
    "https://www.paypal.com/signin",
    "HTTPS://WWW.PAYPAL.COM/",
    "https://paypal-login.com/x?y=1#z",
    "https://bit.ly/3abc",
    "kathimerini.news/article",
    "https://evil.example:8443/x",
    "https://sub.evil.example/",
    "https://a-.com/",  # hyphen-edged label: the careful path decides
    "https://a..b.com/",
    "https://host-/x",
    "https://1.2.3.4/",
    "https://xn--pypal-4ve.com/",
    "http://localhost/",
    "https://example.com./",
    "http://0xA/",  # a hex IPv4 address (0.0.0.10), not a name
    "http://a.example:99999/",  # port out of range: recorded by the careful parser
    "http://a.example:65535/",
]


@pytest.fixture(scope="module")
def engine() -> VerdictEngine:
    index = IndicatorIndex()
    index.add("domain", "evil.example", Provenance("indicator", "feed", "cytrox"))
    return VerdictEngine(index, LookalikeIndex(parse_brands_csv(BRANDS, "t.csv")))


def careful(engine: VerdictEngine, url: str) -> Verdict:
    return engine._careful(url, parse_url(url))


@pytest.mark.parametrize("url", URLS)
def test_fast_path_agrees_with_the_careful_parser(engine: VerdictEngine, url: str) -> None:
    [fast] = engine.check_many([url])
    assert fast == careful(engine, url)


def test_indicator_only_engine_agrees_too(engine: VerdictEngine) -> None:
    plain = VerdictEngine(engine.indicators, None)
    for url in URLS:
        [fast] = plain.check_many([url])
        assert fast == plain._careful(url, parse_url(url)), url


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(
        r"([hH][tT]{2}[pP][sS]?://)?[a-zA-Z0-9][a-zA-Z0-9.-]{0,30}(:\d{1,6})?([/?#][a-z0-9]{0,8})?",
        fullmatch=True,
    )
)
def test_fast_path_agrees_on_generated_urls(url: str) -> None:
    index = IndicatorIndex()
    index.add("domain", "evil.example", Provenance("indicator", "feed", "cytrox"))
    e = VerdictEngine(index, LookalikeIndex(parse_brands_csv(BRANDS, "t.csv")))
    [fast] = e.check_many([url])
    assert fast == e._careful(url, parse_url(url))


def test_verdict_is_immutable_with_defaults() -> None:
    v = Verdict("https://x.example/", VerdictLabel.CLEAN)
    assert v.reasons == ()
    assert v.actor is None
    assert v.domain is None
    with pytest.raises(AttributeError):
        v.label = VerdictLabel.MALICIOUS  # type: ignore[misc]
    r = Reason("clean.no_match", "nothing matched")
    assert Verdict("u", VerdictLabel.CLEAN, (r,)) == Verdict("u", VerdictLabel.CLEAN, (r,))
    assert hash(Verdict("u", VerdictLabel.CLEAN, (r,))) == hash(
        Verdict("u", VerdictLabel.CLEAN, (r,))
    )
