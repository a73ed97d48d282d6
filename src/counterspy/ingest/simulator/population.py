"""The benign platform population: countries, communities, ages, activity, addresses, devices.

Everything is a numpy array indexed by account position; accounts are laid out country by
country and community by community so that "a friend" is a cheap hash into a contiguous range.
Account ids are a bijective scramble of the position, so the id reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from counterspy.ingest.simulator.config import SimulationConfig
from counterspy.ingest.simulator.network import (
    Carriers,
    asn_ip,
    build_carriers,
    tz_offsets,
    vpn_exit,
)
from counterspy.ingest.simulator.reference import Country, countries, firm_profiles, user_agents
from counterspy.ingest.simulator.vec import mix

US_PER_DAY = 86_400_000_000
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# Archetypes: behaviour templates for benign accounts (confounders included).
REGULAR, LURKER, CHATTER, PAGE, RESEARCHER, RECRUITER, NGO, SMM, NEWCOMER, COVER = range(10)
AT_RISK_CATEGORIES = (
    "journalist",
    "activist",
    "human_rights_defender",
    "lawyer",
    "politician",
    "family",
)
_AT_RISK_WEIGHTS = (0.30, 0.25, 0.12, 0.10, 0.13, 0.10)
PERSON, PAGE_TYPE, BUSINESS = 0, 1, 2
ACCOUNT_TYPES = ("person", "page", "business")


@dataclass(frozen=True)
class Layout:
    """Where accounts sit: contiguous countries, contiguous communities inside them."""

    n: int
    country: npt.NDArray[np.int16]
    country_start: I64
    country_size: I64
    community: npt.NDArray[np.int32]
    comm_start: I64
    comm_size: I64

    def friend(self, who: I64, k: I64, salt: int = 0) -> I64:
        """The ``k``-th friend of each account: mostly same community, some country, some world."""
        h = mix(who.astype(np.uint64) * np.uint64(8192) + k.astype(np.uint64), 101 + salt)
        u = (h >> np.uint64(40)).astype(np.float64) / float(1 << 24)
        c = self.community[who]
        cs, cz = self.comm_start[c], self.comm_size[c]
        ct = self.country[who]
        ks, kz = self.country_start[ct], self.country_size[ct]
        low = (h & np.uint64(0xFFFFFFFFFF)).astype(np.int64)
        f = np.where(
            u < 0.84, cs + low % cz, np.where(u < 0.96, ks + low % kz, low % self.n)
        ).astype(np.int64)
        return np.where(f == who, (f + 1) % self.n, f)


@dataclass(frozen=True)
class Population(Layout):
    countries: tuple[Country, ...]
    account_type: npt.NDArray[np.int8]
    created_us: I64
    activity: npt.NDArray[np.float64]
    archetype: npt.NDArray[np.int8]
    at_risk: npt.NDArray[np.int8]
    verified: npt.NDArray[np.bool_]
    photo: npt.NDArray[np.uint64]  # 0 = no photo
    degree: I64
    home_ip: I64
    home_asn: I64
    home_cc: I64
    carrier: I64  # -1: never on mobile data
    p_mobile: F64
    dev1: npt.NDArray[np.uint64]
    dev2: npt.NDArray[np.uint64]
    p_dev2: F64
    ua1: I64
    ua2: I64
    locale_country: I64  # whose interface language the account uses (normally its own)
    popular: I64  # concatenated per-country lists of popular accounts, most popular first
    popular_off: I64
    carriers: Carriers
    tz: I64  # [country, day] UTC offset seconds
    start_us: int
    days: int

    def popular_in(self, country: I64, r: F64) -> I64:
        """An account popular in ``country``; rank drawn from a steep power law."""
        lo, hi = self.popular_off[country], self.popular_off[country + 1]
        rank = np.floor((hi - lo) * r**3).astype(np.int64)
        picked: I64 = self.popular[lo + np.minimum(rank, hi - lo - 1)]
        return picked


def _split_communities(size: int, rng: np.random.Generator) -> I64:
    sizes = np.clip(rng.lognormal(np.log(120), 0.9, size // 10 + 4), 8, 4000).astype(np.int64)
    cut = np.searchsorted(np.cumsum(sizes), size)
    parts = sizes[: cut + 1].copy()
    parts[-1] = size - parts[:-1].sum()
    return parts[parts > 0]


def build_population(cfg: SimulationConfig, rng: np.random.Generator) -> Population:
    cs = countries()
    n = cfg.accounts
    w = np.array([c.users_m for c in cs], dtype=np.float64)
    floor = min(8, n // (4 * len(cs)))
    sizes = floor + rng.multinomial(n - floor * len(cs), w / w.sum())
    country_start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    country = np.repeat(np.arange(len(cs), dtype=np.int16), sizes)

    comm_sizes = [_split_communities(int(s), rng) for s in sizes]
    comm_size = np.concatenate(comm_sizes).astype(np.int64)
    comm_start = np.concatenate([[0], np.cumsum(comm_size)[:-1]]).astype(np.int64)
    community = np.repeat(np.arange(len(comm_size), dtype=np.int32), comm_size)

    idx = np.arange(n, dtype=np.int64)
    start_us = int(cfg.start_dt.timestamp() * 1_000_000)

    u = rng.random(n)
    account_type = np.where(u < 0.03, PAGE_TYPE, np.where(u < 0.05, BUSINESS, PERSON)).astype(
        np.int8
    )
    person = account_type == PERSON

    # Ages: lognormal around ~3 years, at most 15; ~1 % registered during the run itself.
    age_days = np.clip(rng.lognormal(np.log(3 * 365), 0.9, n), 2, 15 * 365)
    created_us = start_us - (age_days * US_PER_DAY).astype(np.int64)
    newcomer = person & (rng.random(n) < 0.01)
    created_us[newcomer] = start_us + (
        rng.random(newcomer.sum()) * cfg.days * 0.9 * US_PER_DAY
    ).astype(np.int64)
    created_us -= rng.integers(0, 86_400_000_000, n)  # spread within the day

    # At-risk population (protection programme), persons only, at least one per country.
    at_risk = np.full(n, -1, dtype=np.int8)
    flagged = person & ~newcomer & (rng.random(n) < cfg.at_risk_share)
    # firms' target countries always have someone the programme protects
    wanted = {c for f in firm_profiles() for c in f.target_countries}
    must = np.array([c.code in wanted for c in cs]) & (sizes >= 6)
    first_person = country_start + np.minimum(3, sizes - 1)
    flagged[first_person[must]] = True
    flagged &= person
    cat = rng.choice(len(AT_RISK_CATEGORIES), size=n, p=np.array(_AT_RISK_WEIGHTS))
    at_risk[flagged] = cat[flagged]

    archetype = np.where(
        account_type != PERSON,
        PAGE,
        np.where(u > 0.70, LURKER, np.where(u > 0.52, CHATTER, REGULAR)),
    ).astype(np.int8)
    archetype[newcomer] = NEWCOMER

    # Heavy-tailed activity (events/day), lognormal, normalised to the requested mean.
    sigma = 1.25
    base = cfg.events_per_account / cfg.days / 1.23  # responses and confounders add ~23 %
    activity = rng.lognormal(np.log(base) - sigma**2 / 2, sigma, n)
    activity[account_type != PERSON] *= 2.5
    activity[at_risk >= 0] *= 2.0

    verified = np.where(account_type != PERSON, rng.random(n) < 0.12, rng.random(n) < 0.002) | (
        (at_risk == 0) | (at_risk == 4)
    ) & (rng.random(n) < 0.15)
    photo = np.where(rng.random(n) < np.where(person, 0.86, 0.97), mix(idx, 7), np.uint64(0))
    # some people use a popular picture (a flag, a celebrity, a meme) instead of their own
    popular_pic = person & (photo != 0) & (rng.random(n) < 0.015)
    photo[popular_pic] = mix(rng.integers(0, 200, int(popular_pic.sum())), 8)
    degree = np.clip(rng.lognormal(np.log(60), 0.95, n), 1, 4000).astype(np.int64)
    degree[account_type != PERSON] = 3

    # Popularity: pages, verified accounts, journalists and politicians draw views and follows.
    score = rng.lognormal(0, 1.6, n) * np.where(account_type == PAGE_TYPE, 12, 1)
    score *= np.where(verified, 6, 1) * np.where((at_risk == 0) | (at_risk == 4), 6, 1)
    popular: list[I64] = []
    for ci in range(len(cs)):
        lo, sz = int(country_start[ci]), int(sizes[ci])
        k = min(sz, max(5, sz // 50))
        top = np.argsort(-score[lo : lo + sz], kind="stable")[:k] + lo
        popular.append(top.astype(np.int64))
    popular_off = np.concatenate([[0], np.cumsum([len(p) for p in popular])]).astype(np.int64)

    # Addresses: a household address on a residential ISP, a mobile carrier behind CGNAT.
    res_n = np.array([len(c.residential_asns) for c in cs])
    res_table = np.full((len(cs), int(res_n.max())), 0, dtype=np.int64)
    for ci, c in enumerate(cs):
        res_table[ci, : len(c.residential_asns)] = c.residential_asns
    pick = np.floor(res_n[country] * rng.random(n) ** 1.6).astype(np.int64)  # incumbent first
    home_asn = res_table[country, pick]
    household = np.where(rng.random(n) < 0.25, 0, 1)  # a quarter share a household address
    layout = Layout(
        n, country, country_start, sizes.astype(np.int64), community, comm_start, comm_size
    )
    mate = layout.friend(idx, np.zeros(n, dtype=np.int64))
    same = (household == 0) & (country[mate] == country) & (account_type[mate] == PERSON)
    key = np.where(same, np.minimum(idx, mate), idx)
    home_asn = np.where(same, home_asn[np.minimum(idx, mate)], home_asn)
    home_ip = asn_ip(home_asn, mix(key, 21))
    home_cc = country.astype(np.int64)
    cc_index = {c.code: i for i, c in enumerate(cs)}
    vpn = person & (rng.random(n) < 0.02)
    vip, vasn, vcc = vpn_exit(mix(idx[vpn], 23), cc_index)
    home_ip[vpn], home_asn[vpn], home_cc[vpn] = vip, vasn, vcc

    carriers = build_carriers(cs, sizes.astype(np.int64))
    carrier = carriers.first[country] + (
        mix(idx, 24) % carriers.count[country].astype(np.uint64)
    ).astype(np.int64)
    p_mobile = np.where(account_type == PERSON, rng.beta(2.0, 1.5, n), 0.05)
    carrier[vpn] = -1  # VPN users tunnel every session, phone included

    dev1 = mix(idx, 31)
    dev2 = mix(idx, 32)
    p_dev2 = np.where(rng.random(n) < 0.35, rng.random(n) * 0.5, 0.0)
    # a third of shared households also share a tablet or laptop
    tablet = same & (rng.random(n) < 0.33)
    dev2[tablet] = mix(key[tablet], 32)  # the household member whose position is key owns it
    p_dev2[tablet] = np.maximum(p_dev2[tablet], 0.25)
    p_dev2[key[tablet]] = np.maximum(p_dev2[key[tablet]], 0.25)
    uas = user_agents()
    ua_cdf = np.cumsum(uas.weights)
    ua1 = np.minimum(np.searchsorted(ua_cdf, rng.random(n)), len(uas.benign) - 1).astype(np.int64)
    ua2 = np.minimum(np.searchsorted(ua_cdf, rng.random(n)), len(uas.benign) - 1).astype(np.int64)

    return Population(
        n=n,
        countries=cs,
        country=country,
        country_start=country_start,
        country_size=sizes.astype(np.int64),
        community=community,
        comm_start=comm_start,
        comm_size=comm_size,
        account_type=account_type,
        created_us=created_us,
        activity=activity,
        archetype=archetype,
        at_risk=at_risk,
        verified=verified,
        photo=photo,
        degree=degree,
        home_ip=home_ip,
        home_asn=home_asn,
        home_cc=home_cc,
        carrier=carrier,
        p_mobile=p_mobile,
        dev1=dev1,
        dev2=dev2,
        p_dev2=p_dev2,
        ua1=ua1,
        ua2=ua2,
        locale_country=country.astype(np.int64),
        popular=np.concatenate(popular),
        popular_off=popular_off,
        carriers=carriers,
        tz=tz_offsets(cs, cfg.start, cfg.days),
        start_us=start_us,
        days=cfg.days,
    )
