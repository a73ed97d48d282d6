"""In-memory indexes of indicators and blocklist entries for the verdict hot path.

Domains and URL locations live in plain dicts (a parent-domain walk is one probe per label);
IPs in a dict keyed by the integer address; CIDRs in one dict per prefix length, keyed by the
masked network integer, so an address is matched in at most one probe per distinct prefix
length. Provenance objects are interned: a million indicators from one report share one.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from counterspy.intel.normalize import parse_ip, parse_network

INDEXED_TYPES = frozenset({"domain", "url", "ip", "cidr"})


@dataclass(frozen=True)
class Provenance:
    """Where a matching entry came from: ``kind`` is ``indicator`` or ``blocklist``."""

    kind: str
    source: str
    actor: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Match:
    code: str  # e.g. "indicator.domain", "blocklist.parent_domain", "indicator.cidr"
    value: str  # the entry that matched
    provenance: Provenance


class IndicatorIndex:
    def __init__(self) -> None:
        self.domains: dict[str, int] = {}
        self.urls: dict[str, int] = {}
        self.ips: dict[tuple[int, int], int] = {}
        self.nets: dict[tuple[int, int], dict[int, tuple[int, str]]] = {}
        self._provs: list[Provenance] = []
        self._prov_ids: dict[Provenance, int] = {}

    def __len__(self) -> int:
        n_nets = sum(len(v) for v in self.nets.values())
        return len(self.domains) + len(self.urls) + len(self.ips) + n_nets

    def _prov(self, p: Provenance) -> int:
        i = self._prov_ids.get(p)
        if i is None:
            i = len(self._provs)
            self._provs.append(p)
            self._prov_ids[p] = i
        return i

    def add(self, type_: str, value: str, provenance: Provenance) -> bool:
        """Index one normalised entry; returns False for types the link path does not use.

        Blocklist entries take precedence over indicators for the same value.
        """
        pid = self._prov(provenance)
        if type_ == "domain":
            table = self.domains
        elif type_ == "url":
            table = self.urls
        elif type_ == "ip":
            ip = parse_ip(value)
            if ip is None:
                return False
            self._put(self.ips, (ip.version, int(ip)), pid)
            return True
        elif type_ == "cidr":
            net = parse_network(value)
            if net is None:
                return False
            bucket = self.nets.setdefault((net.version, net.prefixlen), {})
            key = int(net.network_address) >> (net.max_prefixlen - net.prefixlen)
            old = bucket.get(key)
            if old is None or self._provs[old[0]].kind != "blocklist":
                bucket[key] = (pid, str(net))
            return True
        else:
            return False
        self._put(table, value, pid)
        return True

    def _put(self, table: dict, key: object, pid: int) -> None:  # type: ignore[type-arg]
        old = table.get(key)
        if old is None or self._provs[old].kind != "blocklist":
            table[key] = pid

    def match_host(self, host: str) -> Match | None:
        """Exact domain, then every parent domain (``a.b.evil.com`` matches ``evil.com``)."""
        domains = self.domains
        pid = domains.get(host)
        if pid is not None:
            p = self._provs[pid]
            return Match(f"{p.kind}.domain", host, p)
        last = host.rfind(".")
        i = host.find(".")
        while i != -1 and i < last:  # parents with at least two labels
            parent = host[i + 1 :]
            pid = domains.get(parent)
            if pid is not None:
                p = self._provs[pid]
                return Match(f"{p.kind}.parent_domain", parent, p)
            i = host.find(".", i + 1)
        return None

    def match_url(self, location: str) -> Match | None:
        pid = self.urls.get(location)
        if pid is None:
            return None
        p = self._provs[pid]
        return Match(f"{p.kind}.url", location, p)

    def match_ip(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Match | None:
        n = int(ip)
        pid = self.ips.get((ip.version, n))
        if pid is not None:
            p = self._provs[pid]
            return Match(f"{p.kind}.ip", str(ip), p)
        bits = 32 if ip.version == 4 else 128
        best: tuple[int, str] | None = None
        best_len = -1
        for (version, plen), bucket in self.nets.items():
            if version != ip.version or plen <= best_len:
                continue
            hit = bucket.get(n >> (bits - plen))
            if hit is not None:
                best, best_len = hit, plen
        if best is None:
            return None
        p = self._provs[best[0]]
        return Match(f"{p.kind}.cidr", best[1], p)
