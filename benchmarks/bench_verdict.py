"""Verdict-engine throughput, memory, batch HTTP, and MVT's indicator matching on the same URLs.

    python -m benchmarks.bench_verdict [--indicators 1000000] [--brands 5000] [--repeat 5]

Numbers are medians of ``--repeat`` runs on one core (the engine is single-threaded Python).
Memo and LRU caches are cleared before every run of the "distinct hosts" sets, so those numbers
are the cold worst case; the "realistic" sets repeat popular hosts the way message traffic does.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

from counterspy.infra.brands import Brand, bundled_brands
from counterspy.infra.indicator_index import IndicatorIndex, Provenance
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.verdict import VerdictEngine
from counterspy.infra.vocab import reachable, segments, word_spans
from counterspy.intel.normalize import split_host, to_ascii_host, to_unicode_host

REPO = Path(__file__).resolve().parents[1]
TLDS = ("com", "net", "org", "xyz", "info", "io", "co.uk", "de", "gr", "ru", "live", "online")
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ne",
    "tor",
    "va",
    "zen",
    "qui",
    "bra",
    "dex",
    "po",
    "ri",
    "sun",
    "tal",
    "vex",
    "mor",
    "lin",
    "gar",
    "fe",
    "shu",
    "nox",
    "pel",
    "dri",
    "cam",
)


def word(rng: random.Random, n: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


def clear_caches() -> None:
    for fn in (split_host, to_ascii_host, to_unicode_host, segments, reachable, word_spans):
        fn.cache_clear()


def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def timed(fn: Callable[[], object], repeat: int, before: Callable[[], None] | None = None) -> float:
    """Median CPU seconds of ``fn`` in this process: per-core cost, robust to other processes
    competing for the shared cores (wall-clock time on a loaded machine is not)."""
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        gc.collect()
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def build_indicator_index(n: int, rng: random.Random) -> tuple[IndicatorIndex, list[str]]:
    index = IndicatorIndex()
    provs = [
        Provenance("indicator", f"feed-{i}", "cytrox" if i % 2 else None, "synthetic")
        for i in range(8)
    ]
    domains = []
    for i in range(n - 2_000):
        d = f"{word(rng)}{i}.{TLDS[i % len(TLDS)]}"
        domains.append(d)
        index.add("domain", d, provs[i % 8])
    for i in range(1_000):
        index.add("ip", f"10.{i // 250}.{i % 250}.{rng.randrange(1, 254)}", provs[0])
        index.add("cidr", f"172.{16 + i % 16}.{i % 256}.0/24", provs[1])
    return index, domains


def url_sets(domains: Sequence[str], rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    """(distinct hosts, realistic repeats); 10 % of URLs hit an indicator."""
    distinct = []
    for i in range(n):
        if i % 10 == 0:
            host = ("www." if i % 20 == 0 else "") + rng.choice(domains)
        else:
            host = f"{word(rng, 2)}{i}.{rng.choice(TLDS)}"
        distinct.append(f"https://{host}/p/{i}?q={i % 97}")
    popular = [
        f"https://{h}/"
        for h in (
            "www.google.com",
            "youtube.com",
            "www.facebook.com",
            "en.wikipedia.org",
            "twitter.com",
            "news.bbc.co.uk",
        )
    ]
    realistic = [
        rng.choice(popular) + str(i) if rng.random() < 0.7 else rng.choice(distinct)
        for i in range(n)
    ]
    return distinct, realistic


def pronounceable(rng: random.Random, length: int) -> str:
    cons, vows = "bcdfghjklmnprstvwz", "aeiou"
    return "".join(rng.choice(cons if i % 2 == 0 else vows) for i in range(length))


def synthetic_brands(total: int, rng: random.Random) -> list[Brand]:
    """The bundled real brands plus pronounceable synthetic names up to ``total``."""
    real = bundled_brands()
    out = list(real)
    i = 0
    while len(out) < total:
        name = pronounceable(rng, rng.randint(6, 12))
        out.append(
            Brand(
                name=f"synthetic-{i}-{name}",
                category="synthetic",
                country="ZZ",
                domains=(f"{name}.com",),
            )
        )
        i += 1
    return out


def lookalike_urls(brands: Sequence[Brand], rng: random.Random, n: int) -> list[str]:
    """Half lookalike candidates (typos, combosquats of brand keys), half ordinary hosts
    (popular benign domains with a random subdomain, and random names)."""
    keys = [b.primary_keys[0] for b in brands if len(b.primary_keys[0]) >= 6]
    benign = [
        line.strip()
        for line in (REPO / "tests" / "data" / "benign_domains.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith("#")
    ]
    out = []
    for i in range(n):
        r = i % 4
        k = rng.choice(keys)
        if r == 0:  # omission typo
            j = rng.randrange(1, len(k))
            host = f"{k[:j]}{k[j + 1 :]}{i}.com" if i % 8 == 0 else f"{k[:j]}{k[j + 1 :]}.click"
        elif r == 1:  # combosquat
            host = f"{k}-login{i}.net"
        elif r == 2:  # popular benign domain, unseen subdomain
            host = f"{pronounceable(rng, 5)}{i}.{rng.choice(benign)}"
        else:  # ordinary unrelated name
            host = f"{pronounceable(rng, rng.randint(5, 12))}{i % 100}.{rng.choice(TLDS)}"
        out.append(f"https://{host}/x/{i}")
    return out


def bench_mvt(urls: Sequence[str], repeat: int) -> tuple[float, float, int]:
    """(MVT checks/s, counterspy checks/s) with the same Amnesty STIX indicators."""
    from mvt.common import url as mvt_url
    from mvt.common.indicators import Indicators

    from counterspy.intel.importer import prepare_import

    def no_network(self: object) -> None:
        raise RuntimeError("MVT tried to resolve a shortened URL (network disabled)")

    mvt_url.URL.unshorten = no_network  # type: ignore[method-assign]
    files = [
        REPO.parent / "shared" / "data" / "amnesty" / f for f in ("cytrox.stix2", "pegasus.stix2")
    ]
    quiet = logging.getLogger("bench-mvt")
    quiet.setLevel(logging.CRITICAL)
    mvt = Indicators(log=quiet)
    mvt.load_indicators_files([str(f) for f in files], load_default=False)
    mvt.check_domain("https://warmup.example/")
    index = IndicatorIndex()
    for p in prepare_import(files).indicators:
        index.add(p.norm.type, p.norm.normalized, Provenance("indicator", p.source, p.raw.actor))
    ours = VerdictEngine(index, None)
    t_mvt = timed(lambda: [mvt.check_domain(u) for u in urls], max(1, repeat // 2))
    t_ours = timed(lambda: ours.check_many(urls), repeat, clear_caches)
    hits_mvt = sum(1 for u in urls if mvt.check_domain(u))
    hits_ours = sum(1 for v in ours.check_many(urls) if v.label.value == "malicious")
    assert hits_mvt <= hits_ours, (hits_mvt, hits_ours)
    return len(urls) / t_mvt, len(urls) / t_ours, hits_ours


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--indicators", type=int, default=1_000_000)
    ap.add_argument("--brands", type=int, default=5_000)
    ap.add_argument("--urls", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--http-workers", type=int, default=2)
    ap.add_argument("--http-repeat", type=int, default=5)
    ap.add_argument("--http-connections", type=int, default=4, help="see benchmarks.bench_http")
    ap.add_argument("--skip", nargs="*", default=[], choices=["inproc", "mvt", "http"])
    args = ap.parse_args()
    rng = random.Random(20211216)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores (shared, noisy)")

    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index, domains = build_indicator_index(args.indicators, rng)
    build_s = time.perf_counter() - t0
    gc.collect()
    mem = rss_mb() - before
    print(f"indicator index: {len(index):,} entries built in {build_s:.1f} s, +{mem:.0f} MB RSS")
    distinct, realistic = url_sets(domains, rng, args.urls)
    engine = VerdictEngine(index, None)

    def fresh() -> None:
        engine.clear_memo()
        clear_caches()

    inproc = "inproc" not in args.skip
    if inproc:
        t = timed(lambda: engine.check_many(distinct), args.repeat, fresh)
        print(f"indicator path, distinct hosts:   {len(distinct) / t:>10,.0f} verdicts/s")
        t = timed(lambda: engine.check_many(realistic), args.repeat, fresh)
        print(f"indicator path, realistic repeats: {len(realistic) / t:>9,.0f} verdicts/s")

    brands = synthetic_brands(args.brands, rng)
    t0 = time.perf_counter()
    looks = LookalikeIndex(brands)
    print(
        f"lookalike index: {len(brands):,} brands ({len(bundled_brands()):,} real) built in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    full = VerdictEngine(index, looks)
    lurls = lookalike_urls(brands, rng, args.urls // 2)

    def fresh_full() -> None:
        full.clear_memo()
        clear_caches()

    if inproc:
        t = timed(lambda: full.check_many(lurls), args.repeat, fresh_full)
        flagged = sum(1 for v in full.check_many(lurls) if v.label.value != "clean")
        print(
            f"lookalike path, distinct hosts:   {len(lurls) / t:>10,.0f} verdicts/s "
            f"({flagged:,}/{len(lurls):,} flagged)"
        )
        t = timed(lambda: full.check_many(realistic), args.repeat, fresh_full)
        print(f"full engine, realistic repeats:   {len(realistic) / t:>10,.0f} verdicts/s")
    if "mvt" not in args.skip:
        run_mvt(distinct, args.repeat)
    if inproc:
        handler(full, realistic, args.repeat, fresh_full)
    if "http" not in args.skip:
        from benchmarks import bench_http

        gc.collect()
        bench_http.main(
            [
                "--workers",
                str(args.http_workers),
                "--connections",
                str(args.http_connections),
                "--repeat",
                str(args.http_repeat),
                "--skip",
                "handler",
            ]
        )


def run_mvt(distinct: Sequence[str], repeat: int) -> None:
    rate_mvt, rate_ours, hits = bench_mvt(
        list(distinct[:20_000]) + ["https://shortenurls.me/a", "https://x.mobnetlink1.com/"] * 50,
        repeat,
    )
    print(f"MVT Indicators.check_domain (Amnesty STIX, 1,774 domains): {rate_mvt:>9,.0f} checks/s")
    print(
        f"counterspy, same indicators and URLs:                    {rate_ours:>9,.0f} checks/s "
        f"(x{rate_ours / rate_mvt:,.1f}; {hits} hits)"
    )


def handler(
    full: VerdictEngine, realistic: Sequence[str], repeat: int, fresh: Callable[[], None]
) -> None:
    from counterspy.api.verdicts import parse_urls, verdicts_payload

    bodies = [
        json.dumps({"urls": list(realistic[i : i + 10_000])}).encode()
        for i in range(0, len(realistic), 10_000)
    ]

    def handle_all() -> None:
        for body in bodies:
            verdicts_payload(full.check_many(parse_urls(body)), 1).encode()

    t = timed(handle_all, repeat, fresh)
    print(
        f"HTTP handler work (parse + verdicts + JSON, in process, no socket, cold memo): "
        f"{len(realistic) / t:,.0f} URLs/s per core"
    )


if __name__ == "__main__":
    main()
