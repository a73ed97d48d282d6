"""Benign activity, generated vectorised for a block of accounts (confounders included).

Accounts act in sessions: a session has a start drawn from a local-time diurnal curve, one
network context (home broadband or the carrier's NAT pool, one device) and a few actions
seconds-to-minutes apart. What each action touches depends on the account's archetype.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from counterspy.ingest.simulator.batch import EventBatch, T, concat
from counterspy.ingest.simulator.links import Links, Viral, benign_urls, group_ids
from counterspy.ingest.simulator.population import (
    AT_RISK_CATEGORIES,
    COVER,
    US_PER_DAY,
    Population,
)
from counterspy.ingest.simulator.vec import cdf, choice_cdf, mix, unit

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# Columns: login profile_view friend_list_view search friend_request follow group_join
#          message link_share post comment reaction
_MIX = np.array(
    [
        [10, 22, 2, 4, 2, 2, 1, 14, 5, 6, 10, 22],  # regular
        [15, 35, 3, 6, 1, 2, 1, 4, 2, 1, 5, 25],  # lurker
        [8, 12, 1, 2, 2, 1, 1, 40, 6, 4, 8, 15],  # chatter
        [5, 3, 0, 1, 0, 0, 0, 10, 30, 40, 6, 5],  # page / business
        [6, 45, 12, 15, 1, 5, 2, 6, 3, 1, 2, 2],  # researcher (journalist, OSINT)
        [6, 25, 2, 10, 15, 2, 1, 30, 3, 2, 2, 2],  # recruiter
        [6, 15, 2, 5, 8, 3, 4, 35, 10, 5, 4, 3],  # NGO outreach
        [4, 2, 0, 1, 0, 0, 0, 8, 35, 40, 5, 5],  # social-media manager's pages
        [12, 25, 3, 10, 25, 5, 5, 5, 2, 3, 2, 3],  # newcomer
        [10, 15, 1, 3, 4, 3, 2, 4, 12, 4, 10, 32],  # operator cover activity
    ],
    dtype=np.float64,
)
_MIX_CDF = np.cumsum(_MIX, axis=1) / _MIX.sum(axis=1, keepdims=True)
# P(a targeted action goes to a stranger), P(it goes to an at-risk account), session size,
# mean seconds between actions in a session, work-hours rhythm.
_STRANGER = np.array([0.08, 0.12, 0.04, 0.3, 0.7, 0.75, 0.6, 0.3, 0.5, 0.15])
_AT_RISK = np.array([0.003, 0.003, 0.002, 0.0, 0.3, 0.02, 0.25, 0.0, 0.0, 0.01])
_SESSION = np.array([4, 5, 6, 3, 14, 8, 6, 4, 8, 4], dtype=np.float64)
_GAP_S = np.array([70, 40, 50, 200, 18, 45, 60, 150, 30, 80], dtype=np.float64)
_WORK = np.array([0, 0, 0, 1, 1, 1, 1, 1, 0, 0], dtype=bool)
_RATE_MULT = np.array([1, 1, 1, 1, 6, 5, 4, 4, 6, 1], dtype=np.float64)

_LEISURE = cdf(
    [3, 2, 1.2, 0.8, 0.7, 1, 2, 3.5, 4.5, 5, 5, 5.5, 6, 5.5, 5.5, 5.5, 6, 6.5, 7, 7.5, 8, 8, 7, 5]
)
_WORKDAY = cdf(
    [0.5, 0.3, 0.2, 0.2, 0.2, 0.4, 1, 3, 7, 9, 9, 9, 7, 8, 9, 9, 8, 6, 3, 2, 2, 1.5, 1, 0.7]
)


def network_context(
    pop: Population, who: I64, key: npt.NDArray[np.uint64]
) -> tuple[I64, I64, npt.NDArray[np.uint64], I64, I64]:
    """(ip, asn, device, user-agent, ip-country) for one session of each account."""
    mobile = (unit(key, 71) < pop.p_mobile[who]) & (pop.carrier[who] >= 0)
    car = np.maximum(pop.carrier[who], 0)
    mob_ip = pop.carriers.address(car, mix(key, 72))
    ip = np.where(mobile, mob_ip, pop.home_ip[who])
    asn = np.where(mobile, pop.carriers.asn[car], pop.home_asn[who])
    cc = np.where(mobile, pop.carriers.cc[car].astype(np.int64), pop.home_cc[who])
    second = ~mobile & (unit(key, 73) < pop.p_dev2[who])
    device = np.where(second, pop.dev2[who], pop.dev1[who])
    ua = np.where(second, pop.ua2[who], pop.ua1[who])
    return ip, asn, device, ua, cc


def local_to_utc(pop: Population, country: I64, day: I64, local_s: F64) -> I64:
    off = pop.tz[country, np.clip(day, 0, pop.tz.shape[1] - 1)]
    return pop.start_us + day * US_PER_DAY + ((local_s - off) * 1e6).astype(np.int64)


def generate_block(
    pop: Population,
    lo: int,
    hi: int,
    links: Links,
    viral: Viral,
    seed: int,
    avoid: I64 | None = None,
) -> tuple[EventBatch, I64]:
    """Benign events of accounts ``lo..hi-1`` plus the responses they draw; viral sharers.

    ``avoid`` holds sorted ``actor * n + target`` keys: operator cover activity never touches
    the operation's own targets (that would be operational contact, not cover).
    """
    rng = np.random.default_rng([seed, lo])
    acc = np.arange(lo, hi, dtype=np.int64)
    arch = pop.archetype[acc].astype(np.int64)
    end_us = pop.start_us + pop.days * US_PER_DAY
    born = np.maximum(pop.created_us[acc], pop.start_us)
    alive = np.clip((end_us - born) / (pop.days * US_PER_DAY), 0, 1)
    lam = pop.activity[acc] * _RATE_MULT[arch] * pop.days * alive
    counts = rng.poisson(lam)
    total = int(counts.sum())
    actor = np.repeat(acc, counts)
    a_arch = np.repeat(arch, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    pos = np.arange(total, dtype=np.int64) - first

    # sessions
    sess_size = np.maximum(1, rng.poisson(_SESSION[a_arch] - 1) + 1)
    sess_no = pos // sess_size
    skey = mix(
        actor.astype(np.uint64) * np.uint64(65536) + np.minimum(sess_no, 65535).astype(np.uint64),
        seed,
    )
    d0 = (np.repeat(born, counts) - pop.start_us) / US_PER_DAY
    day_f = d0 + unit(skey, 81) * (pop.days - d0)
    day = np.floor(day_f).astype(np.int64)
    curve = np.where(_WORK[a_arch], 1, 0)
    hour = np.where(
        curve == 1, choice_cdf(_WORKDAY, unit(skey, 82)), choice_cdf(_LEISURE, unit(skey, 82))
    )
    local_s = hour * 3600.0 + unit(skey, 83) * 3600.0
    s_start = local_to_utc(pop, pop.country[actor].astype(np.int64), day, local_s)
    # a local evening can fall before the first UTC day or after the last: wrap by a day
    s_start = np.where(s_start < pop.start_us, s_start + US_PER_DAY, s_start)
    s_start = np.where(s_start >= end_us, s_start - US_PER_DAY, s_start)
    gap = rng.exponential(_GAP_S[a_arch]) * (pos % sess_size > 0)
    # cumulative gap within each session
    cg = np.cumsum(gap)
    sess_first = pos % sess_size == 0
    base = np.maximum.accumulate(np.where(sess_first, np.arange(total), 0))
    within = cg - cg[base] + gap[base]
    ts = s_start + (within * 1e6).astype(np.int64)
    ts = np.clip(ts, np.repeat(born, counts) + 1_000_000, end_us - 1)

    # action types
    u = rng.random(total)
    etype = (u[:, None] > _MIX_CDF[a_arch]).sum(axis=1).astype(np.int8)
    ekey = mix(actor.astype(np.uint64) * np.uint64(1 << 20) + pos.astype(np.uint64), seed + 1)

    # targets
    deg = pop.degree[actor]
    k = np.floor(deg * unit(ekey, 91) ** 2).astype(np.int64)
    friend = pop.friend(actor, k)
    new_friend = pop.friend(actor, deg + (mix(ekey, 92) % np.uint64(40)).astype(np.int64))
    country = pop.country[actor].astype(np.int64)
    popular = pop.popular_in(country, unit(ekey, 93))
    stranger_local = pop.country_start[country] + (
        mix(ekey, 94) % pop.country_size[country].astype(np.uint64)
    ).astype(np.int64)
    stranger = np.where(
        unit(ekey, 95) < 0.85, stranger_local, (mix(ekey, 96) % np.uint64(pop.n)).astype(np.int64)
    )
    at_risk_pool = np.flatnonzero(
        (pop.at_risk >= 0) & (pop.at_risk != AT_RISK_CATEGORIES.index("family"))
    )
    risky = at_risk_pool[(mix(ekey, 97) % np.uint64(max(1, len(at_risk_pool)))).astype(np.int64)]
    r_str, r_risk = unit(ekey, 98), unit(ekey, 99)
    default = np.select(
        [
            etype == T["profile_view"],
            etype == T["friend_request"],
            etype == T["follow"],
            (etype == T["reaction"]) | (etype == T["comment"]),
        ],
        [
            np.where(unit(ekey, 100) < 0.55, friend, popular),
            new_friend,
            popular,
            np.where(unit(ekey, 101) < 0.6, friend, popular),
        ],
        friend,
    )
    target = np.where(
        r_risk < _AT_RISK[a_arch], risky, np.where(r_str < _STRANGER[a_arch], stranger, default)
    )
    # some link shares go to a friend's timeline (or tag them)
    share_to = (etype == T["link_share"]) & (unit(ekey, 102) < 0.25)
    targeted = share_to | np.isin(
        etype,
        [
            T["profile_view"],
            T["friend_list_view"],
            T["friend_request"],
            T["follow"],
            T["message"],
            T["reaction"],
            T["comment"],
        ],
    )
    target = np.where(targeted, target, -1)
    target = np.where(target == actor, -1, target)
    if avoid is not None and len(avoid):
        cover = np.flatnonzero((a_arch == COVER) & (target >= 0))
        clash = np.isin(actor[cover] * pop.n + target[cover], avoid)
        target[cover[clash]] = popular[cover[clash]]
        again = np.isin(actor[cover] * pop.n + target[cover], avoid)  # popular may be a target
        target[cover[again]] = -1
        target = np.where(target == actor, -1, target)
    etype[(target < 0) & targeted & ~share_to] = T["login"]

    # groups and links
    in_group = (etype == T["group_join"]) | (
        ((etype == T["post"]) | (etype == T["link_share"])) & (unit(ekey, 111) < 0.2)
    )
    group = np.where(in_group, group_ids(pop, actor, ekey), -1)
    has_url = (
        (etype == T["link_share"])
        | ((etype == T["message"]) & (unit(ekey, 112) < 0.04))
        | ((etype == T["post"]) & (unit(ekey, 113) < 0.1))
    )
    url_idx = np.flatnonzero(has_url)
    urls = benign_urls(links, country[url_idx], ekey[url_idx])
    # viral stories: a share of link shares repost the story of the moment, minutes after it
    story = viral.by_country[country[url_idx]]
    go_viral = (etype[url_idx] == T["link_share"]) & (unit(ekey[url_idx], 114) < 0.12)
    go_viral &= viral.at_us[story] > np.repeat(born, counts)[url_idx]
    v_idx = url_idx[go_viral]
    delay = rng.lognormal(np.log(240), 1.0, len(v_idx))
    ts[v_idx] = viral.at_us[story[go_viral]] + (delay * 1e6).astype(np.int64)
    urls = pc.if_else(pa.array(go_viral), viral.url.take(pa.array(story)), urls)
    url_full = _scatter_strings(total, url_idx, urls)

    ip, asn, device, ua, cc = network_context(pop, actor, skey)
    main = EventBatch(ts, actor, etype, target, group, url_full, ip, asn, device, ua, cc)
    return concat([main, responses(pop, main, rng, seed, avoid)]), np.unique(actor[v_idx])


def _scatter_strings(n: int, idx: npt.NDArray[np.intp], values: pa.Array) -> pa.Array:
    """A length-``n`` string array with ``values`` at ``idx`` and nulls elsewhere."""
    where = np.full(n, -1, dtype=np.int64)
    where[idx] = np.arange(len(idx))
    mask = where < 0
    if len(values) == 0:
        return pa.nulls(n, pa.string())
    return values.take(pa.array(np.where(mask, 0, where), mask=mask))


def responses(
    pop: Population, b: EventBatch, rng: np.random.Generator, seed: int, avoid: I64 | None
) -> EventBatch:
    """Friend requests accepted, messages answered: actions of the accounts acted upon."""
    fr = np.flatnonzero(b.etype == T["friend_request"])
    stranger_risky = pop.at_risk[b.target[fr]] >= 0
    acc = fr[rng.random(len(fr)) < np.where(stranger_risky, 0.45, 0.72)]
    msg = np.flatnonzero((b.etype == T["message"]) & (b.target >= 0))
    rep = msg[rng.random(len(msg)) < 0.45]
    src = np.concatenate([acc, rep])
    etype = np.concatenate(
        [np.full(len(acc), T["friend_accept"]), np.full(len(rep), T["message"])]
    ).astype(np.int8)
    delay_s = np.concatenate(
        [rng.lognormal(np.log(4 * 3600), 1.4, len(acc)), rng.lognormal(np.log(900), 1.6, len(rep))]
    )
    ts = b.ts[src] + (delay_s * 1e6).astype(np.int64)
    who = b.target[src]
    end_us = pop.start_us + pop.days * US_PER_DAY
    ok = (ts < end_us) & (ts > pop.created_us[who])
    if avoid is not None and len(avoid):  # operators do not answer their own targets as cover
        ok &= ~np.isin(who * pop.n + b.actor[src], avoid)
    src, etype, ts, who = src[ok], etype[ok], ts[ok], who[ok]
    key = mix(
        who.astype(np.uint64) * np.uint64(1 << 22) + (ts // 3_600_000_000).astype(np.uint64),
        seed + 7,
    )
    ip, asn, device, ua, cc = network_context(pop, who, key)
    return EventBatch(
        ts,
        who,
        etype,
        b.actor[src],
        np.full(len(src), -1, dtype=np.int64),
        pa.nulls(len(src), pa.string()),
        ip,
        asn,
        device,
        ua,
        cc,
    )
