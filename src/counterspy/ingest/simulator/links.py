"""Benign links (news, long-tail sites, short links), viral stories and group ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from counterspy.ingest.simulator.population import US_PER_DAY, Population
from counterspy.ingest.simulator.reference import web
from counterspy.ingest.simulator.vec import mix, unit

I64 = npt.NDArray[np.int64]

_GROUPS_PER_COUNTRY = 12
_GLOBAL_GROUPS = 40


@dataclass(frozen=True)
class Links:
    """Benign link vocabulary: per-country news + global sites, and URL path words."""

    domains: pa.Array
    country_lo: I64
    country_n: I64
    n_global: int
    paths: pa.Array
    tail: pa.Array  # long tail of small benign sites (shops, blogs, local clubs), many fresh
    shorteners: pa.Array


def build_links(pop: Population, seed: int = 0) -> Links:
    w = web()
    domains = list(w.global_sites)
    lo, cnt = [], []
    for c in pop.countries:
        news = w.news_sites.get(c.code, ())
        lo.append(len(domains))
        cnt.append(len(news))
        domains.extend(news)
    rng = np.random.default_rng([seed, 77])
    words = (
        *w.fresh_words,
        "shop",
        "blog",
        "club",
        "studio",
        "cafe",
        "travel",
        "photo",
        "books",
        "garden",
        "home",
        "kids",
        "health",
        "fit",
        "art",
    )
    tlds = [c.code.lower() for c in pop.countries if c.code not in ("GB",)]
    tlds += ["com", "com", "com", "net", "org", "info", "online", "shop", "blog", "site", "co.uk"]
    tail = sorted(
        {
            f"{words[a]}{'-' if h else ''}{words[b]}.{tlds[t]}"
            for a, b, h, t in zip(
                rng.integers(0, len(words), 4000),
                rng.integers(0, len(words), 4000),
                rng.random(4000) < 0.3,
                rng.integers(0, len(tlds), 4000),
                strict=True,
            )
            if a != b
        }
    )
    return Links(
        pa.array(domains, pa.string()),
        np.array(lo, dtype=np.int64),
        np.array(cnt, dtype=np.int64),
        len(w.global_sites),
        pa.array(w.url_paths, pa.string()),
        pa.array(tail, pa.string()),
        pa.array(w.shortener_brands[:5], pa.string()),
    )


def benign_urls(links: Links, country: I64, key: npt.NDArray[np.uint64]) -> pa.Array:
    """News of the country or the world (most), a small site of the long tail, a short link."""
    u = unit(key, 51)
    n_local = links.country_n[country]
    local = (u < 0.45) & (n_local > 0)
    pick_local = links.country_lo[country] + (
        mix(key, 52) % np.maximum(n_local, 1).astype(np.uint64)
    ).astype(np.int64)
    pick_global = (mix(key, 53) % np.uint64(links.n_global)).astype(np.int64)
    dom = links.domains.take(pa.array(np.where(local, pick_local, pick_global)))
    path = links.paths.take(pa.array((mix(key, 54) % np.uint64(len(links.paths))).astype(np.int64)))
    number = (mix(key, 55) % np.uint64(90_000_000)).astype(np.int64) + 10_000_000
    num = pc.cast(pa.array(number), pa.string())
    news = pc.binary_join_element_wise("https://", dom, "/", path, "/", num, "")
    tail_dom = links.tail.take(
        pa.array((mix(key, 56) % np.uint64(len(links.tail))).astype(np.int64))
    )
    tail = pc.binary_join_element_wise("https://", tail_dom, "/", path, "")
    short_dom = links.shorteners.take(
        pa.array((mix(key, 57) % np.uint64(len(links.shorteners))).astype(np.int64))
    )
    short = pc.binary_join_element_wise(
        "https://",
        short_dom,
        "/",
        pc.utf8_slice_codeunits(
            pc.cast(pa.array(mix(key, 58) % np.uint64(10**10)), pa.string()), 0, 7
        ),
        "",
    )
    kind = unit(key, 59)
    return pc.if_else(pa.array(kind < 0.78), news, pc.if_else(pa.array(kind < 0.95), tail, short))


def group_ids(pop: Population, who: I64, key: npt.NDArray[np.uint64]) -> I64:
    """Community group (most), a country interest group, or a global group."""
    u = unit(key, 61)
    n_comm = len(pop.comm_size)
    country_g = (
        n_comm
        + pop.country[who].astype(np.int64) * _GROUPS_PER_COUNTRY
        + (mix(key, 62) % np.uint64(_GROUPS_PER_COUNTRY)).astype(np.int64)
    )
    global_g = (
        n_comm
        + len(pop.countries) * _GROUPS_PER_COUNTRY
        + (mix(key, 63) % np.uint64(_GLOBAL_GROUPS)).astype(np.int64)
    )
    return np.where(
        u < 0.55, pop.community[who].astype(np.int64), np.where(u < 0.9, country_g, global_g)
    )


@dataclass(frozen=True)
class Viral:
    """Breaking stories: one URL each, shared by thousands within minutes of the first share."""

    at_us: I64
    country: I64  # -1: worldwide
    url: pa.Array
    by_country: I64  # story index per country (worldwide story where none)


def build_viral(pop: Population, links: Links, rng: np.random.Generator) -> Viral:
    n = max(3, pop.days // 3)
    at = pop.start_us + (rng.random(n) * pop.days * US_PER_DAY).astype(np.int64)
    big = np.argsort(-pop.country_size)[: n - 1]
    country = np.concatenate([[-1], big]).astype(np.int64)
    keys = mix(np.arange(n) + 977, 3)
    url = benign_urls(links, np.maximum(country, 0), keys)
    by_country = np.zeros(len(pop.countries), dtype=np.int64)
    by_country[country[1:]] = np.arange(1, n)
    return Viral(at, country, url, by_country)
