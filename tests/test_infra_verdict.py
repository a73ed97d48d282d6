from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from counterspy.infra.brands import parse_brands_csv
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.verdict import VerdictEngine
from counterspy.model.verdict import LinkChecker, Verdict, VerdictLabel

META = Provenance("indicator", "meta-threat-research", "cytrox", "Cytrox Domain")
ANALYST = Provenance("blocklist", "blocklist (ana)", None, "phishing kit")
BRANDS = parse_brands_csv(
    "name,category,country,domains,aliases,flags\n"
    "PayPal,payments,INT,paypal.com,,global\n"
    "Bitly,shortener,INT,bitly.com bit.ly,,shortener\n",
    "t.csv",
)


@pytest.fixture
def engine() -> VerdictEngine:
    ix = IndicatorIndex()
    ix.add("domain", "evil.example", META)
    ix.add("ip", "192.0.2.10", META)
    ix.add("cidr", "198.51.100.0/24", META)
    ix.add("cidr", "2001:db8:bad::/48", META)
    ix.add("domain", "shared.example", META)
    ix.add("domain", "shared.example", ANALYST)
    ix.add("domain", "sites.example.org", ANALYST)
    return VerdictEngine(ix, LookalikeIndex(BRANDS))


@pytest.mark.parametrize(
    ("url", "code", "actor"),
    [
        ("https://evil.example/x", "indicator.domain", "cytrox"),
        ("https://a.b.evil.example/x", "indicator.parent_domain", "cytrox"),
        ("EVIL.EXAMPLE.", "indicator.domain", "cytrox"),
        ("http://192.0.2.10:8080/", "indicator.ip", "cytrox"),
        ("http://3221225994/", "indicator.ip", "cytrox"),  # 192.0.2.10 as one number
        ("http://198.51.100.77/", "indicator.cidr", "cytrox"),
        ("http://[2001:db8:bad::5]/", "indicator.cidr", "cytrox"),
        ("https://paypal.com@evil.example/", "indicator.domain", "cytrox"),
        ("https://shared.example", "blocklist.domain", None),  # blocklist wins over indicator
    ],
)
def test_indicator_matches_are_malicious_with_provenance(
    engine: VerdictEngine, url: str, code: str, actor: str | None
) -> None:
    v = engine.verdict(url)
    assert v.label is VerdictLabel.MALICIOUS
    assert v.reasons[0].code == code
    assert v.actor == actor
    assert v.reasons[0].indicator_source


def test_parent_walk_stops_at_registered_names(engine: VerdictEngine) -> None:
    assert engine.verdict("https://example.org/").label is VerdictLabel.CLEAN
    assert engine.verdict("https://notevil.example/").label is VerdictLabel.CLEAN
    assert engine.verdict("https://sites.example.org.other.test/").label is VerdictLabel.CLEAN


def test_url_indicators_match_host_and_path() -> None:
    ix = IndicatorIndex()
    ix.add("url", "host.example/bad/page", META)
    engine = VerdictEngine(ix, None)
    assert engine.verdict("https://HOST.example/bad/page/?q=1#f").label is VerdictLabel.MALICIOUS
    assert engine.verdict("https://host.example/good").label is VerdictLabel.CLEAN


BAD_INPUT = [
    "",
    "   ",
    "not a url at all",
    "http://",
    "https://",
    "://",
    "http:///path",
    "@@@",
    "x" * 100_000,
    "https://" + "a." * 60_000 + "com",
    "http://xn--zz.com",
    "http://xn--a.com",
    "https://pаypal.com",
    "http://[::1]",
    "http://[2001:db8::1]:99999/",
    "http://[zz]/",
    "https://paypal.com@evil.tld",
    "https://user:pass@paypal.com/",
    "http://%ZZ%00.com",
    "http://ex%61mple.com",
    "http://example.com:abc/",
    "data:text/html,<script>",
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "file:///etc/passwd",
    "\x00\x01\x02",
    "http://\u202eexample.com",
    "https://exa mple.com",
    "http://-x-.com",
    "http://0x7f.1/",
    "http://017700000001/",
    "\\\\evil.example\\share",
    "ftp://ftp.example.com",
    "http://例え.テスト/",
    "https://😀.example/",
    "mailto:a@b.c",
    "tel:+3021000000",
]


@pytest.mark.parametrize("url", BAD_INPUT)
def test_bad_input_always_gets_a_verdict_with_a_reason(engine: VerdictEngine, url: str) -> None:
    v = engine.verdict(url)
    assert isinstance(v, Verdict)
    assert v.reasons
    assert all(r.code and r.detail for r in v.reasons)


@pytest.mark.parametrize(
    ("url", "label", "code"),
    [
        ("javascript:alert(1)", VerdictLabel.SUSPICIOUS, "url.scheme"),
        ("data:text/html,<b>", VerdictLabel.SUSPICIOUS, "url.scheme"),
        ("https://facebook.com@other.test/", VerdictLabel.SUSPICIOUS, "url.userinfo"),
        ("ftp://user:pw@files.test/", VerdictLabel.CLEAN, "clean.no_match"),
        ("http://0x7f.1/", VerdictLabel.SUSPICIOUS, "url.obfuscated_ip"),
        ("http://xn--zz.com/", VerdictLabel.SUSPICIOUS, "url.invalid_host"),
        ("mailto:a@b.test", VerdictLabel.CLEAN, "url.no_host"),
    ],
)
def test_url_tricks_have_their_own_reasons(
    engine: VerdictEngine, url: str, label: VerdictLabel, code: str
) -> None:
    v = engine.verdict(url)
    assert v.label is label
    assert code in {r.code for r in v.reasons}


def test_engine_is_a_link_checker(engine: VerdictEngine) -> None:
    checker: LinkChecker = engine
    out = checker.check_many(["evil.example", "paypal.com", "bit.ly/x", "ok.test"])
    assert [v.label.value for v in out] == ["malicious", "clean", "suspicious", "clean"]


def test_recently_first_seen_domains_are_suspicious_with_a_companion_signal() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    seen = {
        "fresh.xyz": now - timedelta(days=1),
        "fresh.test": now - timedelta(days=1),
        "old.xyz": now - timedelta(days=90),
    }
    engine = VerdictEngine(IndicatorIndex(), None, first_seen=seen, now=now)
    v = engine.verdict("https://x.fresh.xyz/")
    assert v.label is VerdictLabel.SUSPICIOUS
    assert v.reasons[0].code == "first_seen.recent"
    # new alone is the long tail of honest sites (infrastructure.md, first seen)
    assert engine.verdict("https://x.fresh.test/").label is VerdictLabel.CLEAN
    assert engine.verdict("https://old.xyz/").label is VerdictLabel.CLEAN
