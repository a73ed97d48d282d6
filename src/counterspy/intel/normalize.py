"""Normalising indicator values: refanging, IDNA, case, trailing dots, registrable domain.

The Public Suffix List comes from the snapshot bundled inside ``tldextract``; it is never
fetched (``suffix_list_urls=()``), so normalisation works offline and gives the same answer
on every machine with the same tldextract version.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import idna
import tldextract

from counterspy.intel.psl import SuffixList

# Defanging conventions seen in threat reports: example[.]com, example(.)com, example{.}com,
# example[dot]com, hxxp://, hxxps[:]//, user[@]example.com.
_DEFANG = (
    (re.compile(r"\[\s*\.\s*\]|\(\s*\.\s*\)|\{\s*\.\s*\}"), "."),
    (re.compile(r"\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}", re.IGNORECASE), "."),
    (re.compile(r"\[\s*:\s*\]"), ":"),
    (re.compile(r"\[\s*/\s*\]"), "/"),
    (re.compile(r"\[\s*@\s*\]|\[\s*at\s*\]", re.IGNORECASE), "@"),
    (re.compile(r"^hxxp", re.IGNORECASE), "http"),
    (re.compile(r"^fxp", re.IGNORECASE), "ftp"),
)
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")

_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


def refang(value: str) -> str:
    """Undo the usual defanging of an indicator (``example[.]com`` → ``example.com``)."""
    out = value.strip()
    for pattern, repl in _DEFANG:
        out = pattern.sub(repl, out)
    return out


@lru_cache(maxsize=262_144)
def to_ascii_host(host: str) -> str | None:
    """Lower-case ASCII (punycode) form of a host name, or None when it is not a valid name.

    Trailing dots are dropped; Unicode labels are mapped with UTS 46 and IDNA-encoded.
    """
    h = host.strip().rstrip(".").lower()
    if not h or len(h) > 253:
        return None
    if h.isascii():
        labels = h.split(".")
        if all(_LABEL_RE.match(lab) for lab in labels):
            # Validate existing punycode labels: an undecodable xn-- label is not a name.
            for lab in labels:
                if lab.startswith("xn--"):
                    try:
                        idna.decode(lab)
                    except (idna.IDNAError, UnicodeError):
                        return None
            return h
        return None
    try:
        out = idna.encode(h, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    return out.lower()


@lru_cache(maxsize=65_536)
def to_unicode_host(ascii_host: str) -> str:
    """Display form of a punycode host; labels that do not decode are kept as they are."""
    labels = []
    for lab in ascii_host.split("."):
        if lab.startswith("xn--"):
            try:
                labels.append(idna.decode(lab))
                continue
            except (idna.IDNAError, UnicodeError):
                pass
        labels.append(lab)
    return ".".join(labels)


@lru_cache(maxsize=1)
def suffix_list() -> SuffixList:
    """The bundled Public Suffix List (ICANN and private sections), compiled for matching."""
    return SuffixList(_EXTRACT._get_tld_extractor().tlds_incl_private)


@lru_cache(maxsize=262_144)
def split_host(ascii_host: str) -> tuple[str, str, str]:
    """``(subdomain, domain, suffix)`` of an ASCII host by the bundled Public Suffix List."""
    return suffix_list().split(ascii_host)


def registrable_domain(ascii_host: str) -> str | None:
    """The registrable domain (``a.b.example.co.uk`` → ``example.co.uk``), or None."""
    _sub, dom, suf = split_host(ascii_host)
    if not dom:
        return None
    return f"{dom}.{suf}" if suf else dom


def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    v = value.strip().strip("[]")
    try:
        return ipaddress.ip_address(v)
    except ValueError:
        return None


def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    v = value.strip()
    if "/" not in v:
        return None
    try:
        return ipaddress.ip_network(v, strict=False)
    except ValueError:
        return None


def is_valid_domain(ascii_host: str | None) -> bool:
    """A plausible registrable host name: at least two labels and a known public suffix."""
    if not ascii_host or "." not in ascii_host:
        return False
    _sub, dom, suf = split_host(ascii_host)
    return bool(dom and suf)
