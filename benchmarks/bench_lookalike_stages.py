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
from counterspy.infra import lookalike, namerules
from counterspy.infra.indicator_index import IndicatorIndex
from counterspy.infra.lookalike import LookalikeIndex
from counterspy.infra.urls import FAST_RE
from counterspy.infra.verdict import VerdictEngine
from counterspy.intel.normalize import split_host
from counterspy.model.verdict import Reason


def _cpu(fn: Callable[[], object], repeat: int, fresh: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        fresh()
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

    def rec_combos(i: LookalikeIndex, d: str, p: str, items: namerules.Items) -> None:
        combo_calls.append((d, p))
        combos(i, d, p, items)

    def rec_weak(i: LookalikeIndex, d: str, p: str, s: str) -> tuple[Reason, ...]:
        weak_calls.append((d, p, s))
        return weak(i, d, p, s)

    module = vars(lookalike)  # the names lookalike.py imported from namerules
    index._find_typo = rec_typo
    module["combos"], module["weak_signals"] = rec_combos, rec_weak
    try:
        engine = VerdictEngine(IndicatorIndex(), index)
        engine.check_many(urls)
    finally:
        index._find_typo = find
        module["combos"], module["weak_signals"] = combos, weak
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
        ("VerdictEngine.check_many, whole", lambda: engine.check_many(urls)),
    ]

    def fresh() -> None:
        engine.clear_memo()  # also the lookalike index's name memo

    return [(name, _cpu(fn, repeat, fresh)) for name, fn in out]


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
