"""Parsing untrusted URLs into the host a verdict is about. Never raises.

Browsers are lenient, attackers know it: a link may carry userinfo (``https://facebook.com@evil.tld``),
percent-encoded or Unicode host names, backslashes, odd IPv4 spellings (``http://3232235777``),
IPv6 literals, ports, or no scheme at all. :func:`parse_url` resolves all of these to the host a
browser would contact, and records what was odd about the URL as reason codes.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote

from counterspy.intel.normalize import to_ascii_host

MAX_URL_CHARS = 16_384  # beyond this a URL is reported as oversized (it is still parsed)
DANGEROUS_SCHEMES = frozenset({"javascript", "data", "vbscript", "blob", "file"})
WEB_SCHEMES = frozenset({"http", "https", "ftp", "ws", "wss", ""})

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]{0,31}):")
# Fast path: a plain ASCII http(s) URL with a simple host. Anything else takes the careful path.
_PORT = r"(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|\d{1,4})"  # 0..65535
FAST_RE = re.compile(
    r"(?:[hH][tT][tT][pP][sS]?://)?([a-zA-Z0-9][a-zA-Z0-9.-]{0,252})(?::" + _PORT + r")?(?:[/?#]|$)"
)


def plain_host(host: str) -> bool:
    """Whether a lower-cased FAST_RE host is an ordinary name the fast path may judge directly
    (not an IP, no punycode to validate, no empty or hyphen-edged labels)."""
    last = host[-1]
    return not (
        last.isdigit()
        or last == "."
        or last == "-"
        or "xn--" in host
        or "0x" in host  # 0xA is an IPv4 address to a browser: the careful path decides
        or ".." in host
        or "-." in host
        or ".-" in host
    )


_IPV4_LIKE = re.compile(r"^[0-9a-fA-Fx.]+$")


@dataclass(frozen=True)
class ParsedUrl:
    """What a URL points at. ``host`` is lower-case ASCII (punycode); ``ip`` is set for IP hosts."""

    raw: str
    scheme: str
    host: str | None
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    port: int | None
    path: str
    userinfo: str | None
    problems: tuple[str, ...]  # reason codes, e.g. ("url.userinfo",)

    @property
    def location(self) -> str | None:
        """Host and path without scheme, port or fragment: the key of URL indicators."""
        h = str(self.ip) if self.ip is not None else self.host
        if h is None:
            return None
        path = self.path.rstrip("/")
        return f"{h}{path}"


def fast_host(url: str) -> str | None:
    """The host of an ordinary ASCII web URL in one regex, or None to ask :func:`parse_url`."""
    m = FAST_RE.match(url)
    if m is None:
        return None
    host = m.group(1).lower()
    return host if plain_host(host) else None


def _parse_ipv4_lenient(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 in the spellings browsers accept: dotted, decimal, hex, octal, short forms."""
    if not _IPV4_LIKE.match(host) or not host.replace(".", "").strip("x"):
        return None
    last = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if not (last.isdigit() or (last.startswith("0x") and len(last) > 2)):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except (OSError, ValueError):
        return None


def parse_url(raw: str) -> ParsedUrl:
    """Parse an untrusted string as a browser would; never raises."""
    problems: list[str] = []
    text = raw if isinstance(raw, str) else str(raw)
    if len(text) > MAX_URL_CHARS:
        problems.append("url.oversized")
    s = text.strip().replace("\\", "/")
    s = "".join(ch for ch in s[: MAX_URL_CHARS * 8] if ch not in "\t\r\n")
    scheme = ""
    m = _SCHEME_RE.match(s)
    rest = s
    if m is not None and not (s[m.end() : m.end() + 1].isdigit() and "//" not in s[: m.end() + 2]):
        scheme = m.group(1).lower()
        rest = s[m.end() :]
    if scheme in DANGEROUS_SCHEMES:
        return ParsedUrl(text, scheme, None, None, None, "", None, (*problems, "url.scheme"))
    if scheme not in WEB_SCHEMES:
        return ParsedUrl(text, scheme, None, None, None, "", None, (*problems, "url.no_host"))
    rest = rest.lstrip("/")
    end = len(rest)
    for sep in "/?#":
        i = rest.find(sep)
        if i != -1 and i < end:
            end = i
    authority, tail = rest[:end], rest[end:]
    path = tail.split("#", 1)[0].split("?", 1)[0]
    userinfo: str | None = None
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
        problems.append("url.userinfo")
    port: int | None = None
    hostpart = authority
    if authority.startswith("["):
        close = authority.find("]")
        hostpart = authority[1:close] if close != -1 else authority[1:]
        after = authority[close + 1 :] if close != -1 else ""
        if after.startswith(":") and after[1:].isdigit():
            port = int(after[1:])
        try:
            ip6 = ipaddress.IPv6Address(hostpart.split("%", 1)[0])
        except ValueError:
            return ParsedUrl(
                text, scheme, None, None, None, path, userinfo, (*problems, "url.invalid_host")
            )
        mapped = ip6.ipv4_mapped
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = mapped if mapped is not None else ip6
        return ParsedUrl(text, scheme, None, ip, port, path, userinfo, tuple(problems))
    if ":" in authority:
        hostpart, port_s = authority.rsplit(":", 1)
        if port_s.isdigit() and len(port_s) <= 5 and int(port_s) <= 65535:
            port = int(port_s)
        elif port_s:
            problems.append("url.bad_port")
    if "%" in hostpart:
        hostpart = unquote(hostpart, errors="replace")
        problems.append("url.percent_encoded_host")
    if not hostpart:
        return ParsedUrl(text, scheme, None, None, port, path, userinfo, (*problems, "url.no_host"))
    ip4 = _parse_ipv4_lenient(hostpart)
    if ip4 is not None:
        if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", hostpart):
            problems.append("url.obfuscated_ip")
        return ParsedUrl(text, scheme, None, ip4, port, path, userinfo, tuple(problems))
    host = to_ascii_host(hostpart)
    if host is None:
        return ParsedUrl(
            text, scheme, None, None, port, path, userinfo, (*problems, "url.invalid_host")
        )
    return ParsedUrl(text, scheme, host, None, port, path, userinfo, tuple(problems))
