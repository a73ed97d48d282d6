"""Per-stage cost of the cold lookalike path, and a cProfile of the whole path.

    python -m benchmarks.bench_lookalike_stages [--brands 5000] [--urls 40000] [--profile]

The URLs are the benchmark's lookalike set (benchmarks.bench_verdict.lookalike_urls: typos,
combosquats, unseen subdomains of popular domains, random names). Each stage is timed on
exactly the inputs the engine gives it during one cold run (recorded first), in a loop of
its own, so the numbers add up to roughly the whole (the rest is bookkeeping). CPU time,
median of ``--repeat`` runs, caches cleared before each run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import random
import statistics
import time
from collections.abc import Callable, Sequence

from benchmarks.bench_verdict import clear_caches, lookalike_urls, synthetic_brands
from counterspy.infra import namerules
from counterspy.infra.indicator_index import IndicatorIndex
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.urls import FAST_RE
from counterspy.infra.verdict import VerdictEngine
from counterspy.intel.normalize import split_host


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        clear_caches()
        gc.collect()
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def stages(index: LookalikeIndex, urls: Sequence[str], repeat: int) -> list[tuple[str, float]]:
    """(stage, seconds) for every stage, on the inputs one cold run hands to it."""
    typo_calls: list[tuple[str, bool]] = []
    combo_calls: list[tuple[str, str]] = []
    weak_calls: list[tuple[str, str, str]] = []
    find = index._find_typo

    def rec_typo(s: str, *, relaxed: bool = False) -> tuple[str, str] | None:
        typo_calls.append((s, relaxed))
        return find(s, relaxed=relaxed)

    combos, weak = namerules.combos, namerules.weak_signals
    index._find_typo = rec_typo  # type: ignore[method-assign]
    try:
        engine = VerdictEngine(IndicatorIndex(), index)
        from counterspy.infra import lookalike

        lookalike.combos = lambda i, d, p, items: (
            combo_calls.append((d, p)),
            combos(i, d, p, items),
        )[1]  # type: ignore[assignment]
        lookalike.weak_signals = lambda i, d, p, s: (
            weak_calls.append((d, p, s)),
            weak(i, d, p, s),
        )[1]  # type: ignore[assignment]
        engine.check_many(urls)
    finally:
        index._find_typo = find  # type: ignore[method-assign]
        lookalike.combos, lookalike.weak_signals = combos, weak  # type: ignore[assignment]
    hosts = [m[1].lower() for u in urls if (m := FAST_RE.match(u)) is not None]

    def typos() -> None:
        for s, relaxed in typo_calls:
            find(s, relaxed=relaxed)

    def typos_two_edit_off() -> None:  # one-edit candidates only (two-edit cost = difference)
        one = index.typos.one, index.typos.one_relaxed
        for s, relaxed in typo_calls:
            plan = one[relaxed].plan
            if len(s) < len(plan):
                for a, b, table in plan[len(s)]:
                    table.get(s[a:b])

    def run_combos() -> None:
        for d, p in combo_calls:
            combos(index, d, p, {})

    def run_weak() -> None:
        for d, p, s in weak_calls:
            weak(index, d, p, s)

    def check_all() -> None:
        index.clear_memo()
        for h in hosts:
            index.check(h)

    out = [
        ("URL regex (FAST_RE) + lower", lambda: [FAST_RE.match(u) for u in urls]),
        ("PSL split", lambda: [split_host(h) for h in hosts]),
        ("owned-domain walk", lambda: [index.owner(h) for h in hosts]),
        (f"typo finder ({len(typo_calls) / len(urls):.2f} calls/URL)", typos),
        ("  of which one-edit probes", typos_two_edit_off),
        (f"combosquat rule ({len(combo_calls) / len(urls):.2f}/URL)", run_combos),
        (f"weak signals ({len(weak_calls) / len(urls):.2f}/URL)", run_weak),
        ("LookalikeIndex.check, whole", check_all),
        ("VerdictEngine.check_many, whole", lambda: (engine.clear_memo(), engine.check_many(urls))),
    ]
    return [(name, _cpu(fn, repeat)) for name, fn in out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--brands", type=int, default=5_000)
    ap.add_argument("--urls", type=int, default=40_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="also print a cProfile top 20")
    args = ap.parse_args()
    rng = random.Random(20211216)
    brands = synthetic_brands(args.brands, rng)
    index = LookalikeIndex(brands)
    urls = lookalike_urls(brands, rng, args.urls)
    for name, secs in stages(index, urls, args.repeat):
        print(f"{name:45} {secs / len(urls) * 1e6:7.2f} µs per URL")
    if args.profile:
        engine = VerdictEngine(IndicatorIndex(), index)
        clear_caches()
        prof = cProfile.Profile()
        prof.runcall(engine.check_many, urls)
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
