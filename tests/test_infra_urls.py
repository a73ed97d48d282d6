from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterspy.infra.urls import fast_host, parse_url
from counterspy.intel.normalize import to_ascii_host


@pytest.mark.parametrize(
    ("url", "host", "problems"),
    [
        ("https://WWW.Example.com:8443/a?b#c", "www.example.com", ()),
        ("example.com/path", "example.com", ()),
        ("https://facebook.com@evil.example/login", "evil.example", ("url.userinfo",)),
        ("https://facebook.com:pw@evil.example", "evil.example", ("url.userinfo",)),
        ("http://ex%61mple.com/", "example.com", ("url.percent_encoded_host",)),
        ("https:\\\\evil.example\\x", "evil.example", ()),
        ("http://bücher.de/", "xn--bcher-kva.de", ()),
        ("http://example.com:99999/", "example.com", ("url.bad_port",)),
    ],
)
def test_hosts_are_what_a_browser_would_contact(
    url: str, host: str, problems: tuple[str, ...]
) -> None:
    p = parse_url(url)
    assert p.host == host
    assert p.problems == problems


@pytest.mark.parametrize(
    ("url", "ip", "obfuscated"),
    [
        ("http://192.0.2.7/x", "192.0.2.7", False),
        ("http://3232235777/", "192.168.1.1", True),
        ("http://0xC0A80101/", "192.168.1.1", True),
        ("http://[2001:db8::1]:8080/", "2001:db8::1", False),
        ("http://[::ffff:192.0.2.1]/", "192.0.2.1", False),
    ],
)
def test_ip_hosts_in_every_spelling(url: str, ip: str, obfuscated: bool) -> None:
    p = parse_url(url)
    assert p.ip == ipaddress.ip_address(ip)
    assert ("url.obfuscated_ip" in p.problems) is obfuscated


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("javascript:alert(1)", "url.scheme"),
        ("data:text/html;base64,PHNjcmlwdD4=", "url.scheme"),
        ("mailto:someone@example.com", "url.no_host"),
        ("http://xn--zz.com/", "url.invalid_host"),
        ("http://[not-ipv6]/", "url.invalid_host"),
        ("http://a..b/", "url.invalid_host"),
        ("https://" + "a" * 100_000 + ".com/", "url.oversized"),
    ],
)
def test_odd_urls_are_flagged(url: str, code: str) -> None:
    assert code in parse_url(url).problems


def test_fast_path_only_takes_plain_urls() -> None:
    assert fast_host("https://Example.COM/x") == "example.com"
    assert fast_host("https://a@b.com/") is None
    assert fast_host("http://xn--zz.com/") == "xn--zz.com"  # engine sends xn-- to the careful path
    assert fast_host("http://ex%61mple.com") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises_on_any_text(s: str) -> None:
    p = parse_url(s)
    assert p.host is None or (p.host == p.host.lower() and p.host.isascii())


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["http://", "https://", "", "HTTPS://", "ftp://"]),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){1,3}", fullmatch=True),
    st.sampled_from(["", "/", "/a/b?c=1", ":8080/x", "#frag"]),
)
def test_host_normalisation_is_idempotent(scheme: str, host: str, tail: str) -> None:
    p = parse_url(scheme + host + tail)
    if p.host is None:
        return
    assert to_ascii_host(p.host) == p.host
    again = parse_url(f"http://{p.host}/")
    assert again.host == p.host


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x2FFF), min_size=1, max_size=20
    )
)
def test_unicode_hosts_round_trip_through_punycode(label: str) -> None:
    p = parse_url(f"https://{label}.com/")
    if p.host is not None:
        assert p.host.isascii()
        assert parse_url(f"https://{p.host}/").host == p.host
