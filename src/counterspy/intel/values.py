"""Normalising one indicator value by type: a table of small functions, one per type."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from counterspy.infra.urls import parse_url
from counterspy.intel.normalize import (
    is_valid_domain,
    parse_ip,
    parse_network,
    refang,
    registrable_domain,
    to_ascii_host,
)


@dataclass(frozen=True)
class Normalised:
    type: str
    normalized: str
    registrable: str | None
    warning: str | None = None


class BadValueError(ValueError):
    """A value that is not a valid indicator of its type (message says why)."""


def _domain(v: str) -> Normalised:
    host = to_ascii_host(v.split("/", 1)[0]) if "://" not in v else None
    if host is None or "." not in host:
        raise BadValueError(f"{v!r} is not a valid domain name")
    if not is_valid_domain(host):
        return Normalised(
            "domain",
            host,
            None,
            f"{host}: top-level domain not in the Public Suffix List (kept as given)",
        )
    return Normalised("domain", host, registrable_domain(host))


def _url(v: str) -> Normalised:
    p = parse_url(v)
    loc = p.location
    if loc is None or "url.invalid_host" in p.problems:
        raise BadValueError(f"{v!r} is not a URL with a valid host")
    reg = registrable_domain(p.host) if p.host else None
    return Normalised("url", loc, reg)


def _ip(v: str) -> Normalised:
    if "/" in v:
        return _cidr(v)
    ip = parse_ip(v)
    if ip is None:
        raise BadValueError(f"{v!r} is not an IP address")
    return Normalised("ip", str(ip), None)


def _cidr(v: str) -> Normalised:
    net = parse_network(v)
    if net is None:
        raise BadValueError(f"{v!r} is not a CIDR network (like 192.0.2.0/24)")
    if net.num_addresses == 1:
        return Normalised("ip", str(net.network_address), None)
    return Normalised("cidr", str(net), None)


def _email(v: str) -> Normalised:
    local, at, dom = v.rpartition("@")
    host = to_ascii_host(dom) if at else None
    if not local or host is None:
        raise BadValueError(f"{v!r} is not an email address")
    return Normalised("email", f"{local.lower()}@{host}", registrable_domain(host))


def _hash(kind: str, length: int) -> Callable[[str], Normalised]:
    pattern = re.compile(rf"^[0-9a-f]{{{length}}}$")

    def norm(v: str) -> Normalised:
        h = v.strip().lower()
        if not pattern.match(h):
            raise BadValueError(f"{v!r} is not a {kind} hash ({length} hex digits)")
        return Normalised(kind, h, None)

    return norm


def _text(kind: str) -> Callable[[str], Normalised]:
    def norm(v: str) -> Normalised:
        if not v.strip():
            raise BadValueError("empty value")
        return Normalised(kind, v.strip(), None)

    return norm


NORMALISERS: dict[str, Callable[[str], Normalised]] = {
    "domain": _domain,
    "url": _url,
    "ip": _ip,
    "cidr": _cidr,
    "email": _email,
    "md5": _hash("md5", 32),
    "sha1": _hash("sha1", 40),
    "sha256": _hash("sha256", 64),
    "filename": _text("filename"),
    "process": _text("process"),
    "other": _text("other"),
}


def infer_type(v: str) -> str:
    """Type of an untyped value (plain lists, kill-chain Indicator column)."""
    s = v.strip()
    if "://" in s or (("/" in s) and parse_network(s) is None):
        return "url"
    if parse_network(s) is not None:
        return "cidr"
    if parse_ip(s) is not None:
        return "ip"
    if "@" in s:
        return "email"
    if re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}", s):
        return {32: "md5", 40: "sha1", 64: "sha256"}[len(s)]
    return "domain"


def normalise_value(type_: str, value: str) -> Normalised:
    """Refang and normalise ``value``; raises :class:`BadValueError` with the reason."""
    v = refang(value)
    t = infer_type(v) if type_ == "auto" else type_
    return NORMALISERS.get(t, NORMALISERS["other"])(v)
