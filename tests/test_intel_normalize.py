from __future__ import annotations

import socket

import pytest

from counterspy.intel.normalize import (
    is_valid_domain,
    refang,
    registrable_domain,
    split_host,
    to_ascii_host,
    to_unicode_host,
)
from counterspy.intel.values import BadValueError, infer_type, normalise_value


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("example[.]com", "example.com"),
        ("example(.)com", "example.com"),
        ("example{.}com", "example.com"),
        ("example[dot]com", "example.com"),
        ("hxxp://evil[.]com/a", "http://evil.com/a"),
        ("hXXps[:]//evil[.]com", "https://evil.com"),
        ("user[@]mail[.]com", "user@mail.com"),
    ],
)
def test_refang_undoes_common_defanging(given: str, expected: str) -> None:
    assert refang(given) == expected


def test_hosts_are_lowercased_punycoded_and_lose_trailing_dots() -> None:
    assert to_ascii_host("WWW.Example.COM.") == "www.example.com"
    assert to_ascii_host("bücher.de") == "xn--bcher-kva.de"
    assert to_unicode_host("xn--bcher-kva.de") == "bücher.de"


@pytest.mark.parametrize("bad", ["", "a..b", "-lead.com", "xn--zz.com", "sp ace.com", "x" * 254])
def test_invalid_hosts_are_rejected(bad: str) -> None:
    assert to_ascii_host(bad) is None


def test_registrable_domain_uses_public_suffix_list_including_private_suffixes() -> None:
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("bmw.gr.com") == "bmw.gr.com"  # gr.com is a (private) suffix
    assert split_host("x.y.github.io") == ("x", "y", "github.io")
    assert not is_valid_domain("fbc8213450838f7ae251d4")


def test_suffix_list_is_the_bundled_snapshot_and_never_fetched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*_a: object, **_k: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    split_host.cache_clear()
    from counterspy.intel import normalize

    assert normalize._EXTRACT.suffix_list_urls == ()
    assert registrable_domain("news.bbc.co.uk") == "bbc.co.uk"


def test_values_are_normalised_by_type() -> None:
    assert normalise_value("domain", "Evil[.]COM.").normalized == "evil.com"
    assert normalise_value("url", "hxxps://Evil[.]com/Path/").normalized == "evil.com/Path"
    assert normalise_value("ip", "192.0.2.1").normalized == "192.0.2.1"
    assert normalise_value("auto", "2001:db8::/32").type == "cidr"
    assert normalise_value("auto", "10.0.0.1/32").type == "ip"
    assert normalise_value("email", "Op@Evil.COM").normalized == "op@evil.com"
    assert normalise_value("sha256", "A" * 64).normalized == "a" * 64
    unknown = normalise_value("domain", "amazing.lab")
    assert unknown.registrable is None
    assert unknown.warning is not None


@pytest.mark.parametrize(
    ("type_", "value"),
    [("domain", "fbc8213450838f7ae251d4"), ("ip", "999.1.1.1"), ("md5", "xyz"), ("email", "@x")],
)
def test_bad_values_raise_with_reason(type_: str, value: str) -> None:
    with pytest.raises(BadValueError, match="not"):
        normalise_value(type_, value)


def test_type_inference_for_untyped_lists() -> None:
    assert infer_type("evil.com") == "domain"
    assert infer_type("http://evil.com/x") == "url"
    assert infer_type("198.51.100.7") == "ip"
    assert infer_type("198.51.100.0/24") == "cidr"
    assert infer_type("d41d8cd98f00b204e9800998ecf8427e") == "md5"


def test_compiled_suffix_list_agrees_with_tldextract() -> None:
    from counterspy.intel import normalize
    from tests.conftest import REPO

    lines = (REPO / "tests" / "data" / "benign_domains.txt").read_text(encoding="utf-8")
    hosts = [x.strip() for x in lines.splitlines() if x.strip() and not x.startswith("#")]
    hosts += [
        "a.b.c.ck",
        "www.ck",
        "x.www.ck",
        "foo.bar.kawasaki.jp",
        "city.kawasaki.jp",
        "x.y.github.io",
        "amazing.lab",
        "localhost",
        "com",
        "co.uk",
        "test.xn--p1ai",
        "a.b.s3.amazonaws.com",
        "x.bmw.gr.com",
        "paypal.com.secure-login.tld",
    ]
    compiled = normalize.suffix_list()
    for h in hosts:
        r = normalize._EXTRACT(h)
        assert compiled.split(h) == (r.subdomain, r.domain, r.suffix), h
    assert len(hosts) > 3700
