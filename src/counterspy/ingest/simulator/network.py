"""Addresses: ASNs, IPv4 prefixes, carrier NAT pools, devices, time-zone offsets."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from counterspy.ingest.simulator.reference import DATACENTER_ASNS, VPN_ASNS, Country
from counterspy.ingest.simulator.vec import mix

# First octets of ordinary unicast space (skips 0, 10, 100, 127, 169, 172, 192, 198, 203, 224+):
# the /16 prefixes derived from an ASN are synthetic, not that network's real allocation.
_ROUTABLE = np.array(
    [o for o in range(1, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)], dtype=np.int64
)
PREFIXES_PER_ASN = 4

# Country of hosting / VPN networks (where their exits geolocate).
DATACENTER_CC = ("US", "US", "DE", "FR", "US", "NL", "DE", "IE")
VPN_CC = ("GB", "NL", "CZ", "SG", "US")


def asn_ip(asn: npt.ArrayLike, r: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """A host address inside one of the ASN's (synthetic) /16 prefixes, chosen by ``r``."""
    a = np.asarray(asn, dtype=np.int64)
    rr = np.asarray(r).astype(np.uint64)
    j = (rr >> np.uint64(40)) % np.uint64(PREFIXES_PER_ASN)
    key = a.astype(np.uint64) * np.uint64(PREFIXES_PER_ASN) + j
    first = _ROUTABLE[(mix(key, 11) % np.uint64(len(_ROUTABLE))).astype(np.int64)]
    second = (mix(key, 12) % np.uint64(256)).astype(np.int64)
    host = (rr % np.uint64(65534)).astype(np.int64) + 1
    return (first << 24) | (second << 16) | host


@dataclass(frozen=True)
class Carriers:
    """Mobile carriers: many subscribers behind each carrier-grade-NAT address pool."""

    asn: npt.NDArray[np.int64]
    cc: npt.NDArray[np.int16]
    pool: npt.NDArray[np.int64]  # number of public addresses in the NAT pool
    first: npt.NDArray[np.int64]  # first carrier index per country
    count: npt.NDArray[np.int64]  # carriers per country

    def address(self, carrier: npt.ArrayLike, r: npt.ArrayLike) -> npt.NDArray[np.int64]:
        c = np.asarray(carrier, dtype=np.int64)
        slot = np.asarray(r).astype(np.uint64) % self.pool[c].astype(np.uint64)
        return asn_ip(self.asn[c], mix(slot, 13) & np.uint64(0xFFFFFFFF0000) | slot)


def build_carriers(countries: tuple[Country, ...], sizes: npt.NDArray[np.int64]) -> Carriers:
    asn: list[int] = []
    cc: list[int] = []
    pool: list[int] = []
    first: list[int] = []
    count: list[int] = []
    for ci, c in enumerate(countries):
        first.append(len(asn))
        count.append(len(c.mobile_asns))
        for a in c.mobile_asns:
            asn.append(a)
            cc.append(ci)
            # ~40 subscribers share each public address over the run
            pool.append(int(max(4, sizes[ci] // (40 * len(c.mobile_asns)))))
    return Carriers(
        np.array(asn, dtype=np.int64),
        np.array(cc, dtype=np.int16),
        np.array(pool, dtype=np.int64),
        np.array(first, dtype=np.int64),
        np.array(count, dtype=np.int64),
    )


def tz_offsets(countries: tuple[Country, ...], start: dt.date, days: int) -> npt.NDArray[np.int64]:
    """UTC offset in seconds of each country's main zone on each day (daylight saving included)."""
    out = np.zeros((len(countries), days + 2), dtype=np.int64)
    for ci, c in enumerate(countries):
        zone = zoneinfo.ZoneInfo(c.tz)
        for d in range(days + 2):
            moment = dt.datetime.combine(start + dt.timedelta(days=d), dt.time(12), tzinfo=dt.UTC)
            off = moment.astimezone(zone).utcoffset()
            out[ci, d] = int(off.total_seconds()) if off is not None else 0
    return out


def vpn_exit(r: npt.ArrayLike, cc_index: dict[str, int]) -> tuple[npt.NDArray[np.int64], ...]:
    """(ip, asn, ip-country) of a commercial VPN exit; few exits, shared by many users."""
    rr = np.asarray(r).astype(np.uint64)
    k = (rr % np.uint64(len(VPN_ASNS))).astype(np.int64)
    asn = np.array(VPN_ASNS, dtype=np.int64)[k]
    exit_slot = (rr >> np.uint64(8)) % np.uint64(48)
    ip = asn_ip(asn, exit_slot * np.uint64(7919))
    cc = np.array([cc_index.get(x, 0) for x in VPN_CC], dtype=np.int64)[k]
    return ip, asn, cc


def datacenter(r: npt.ArrayLike, cc_index: dict[str, int]) -> tuple[npt.NDArray[np.int64], ...]:
    """(ip, asn, ip-country) of a rented server."""
    rr = np.asarray(r).astype(np.uint64)
    k = (rr % np.uint64(len(DATACENTER_ASNS))).astype(np.int64)
    asn = np.array(DATACENTER_ASNS, dtype=np.int64)[k]
    ip = asn_ip(asn, rr >> np.uint64(4))
    cc = np.array([cc_index.get(x, 0) for x in DATACENTER_CC], dtype=np.int64)[k]
    return ip, asn, cc
